"""What every command shares: the global options, the instance they open, progress bars, how errors print."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rekap.bootstrap import Rekap
from rekap.domain.errors import RekapError
from rekap.settings import Settings

console = Console()
err_console = Console(stderr=True)


class Opts:
    db: str | None = None
    data_dir: str | None = None


def settings() -> Settings:
    try:
        return Settings.from_env(db=Opts.db, data_dir=Opts.data_dir)
    except RekapError as err:
        fail(err)


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def fail(err: RekapError) -> NoReturn:
    err_console.print(f"[bold red]error[/] {escape(f'[{err.slug}] {err}')}")
    raise typer.Exit(2)


@contextmanager
def instance(create: bool = False) -> Iterator[Rekap]:
    """The instance the global options name; a RekapError inside prints as a message and exits 2."""
    try:
        rekap = Rekap.open(settings(), create=create)
    except RekapError as err:
        fail(err)
    try:
        yield rekap
    except RekapError as err:
        fail(err)
    finally:
        rekap.close()


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=False
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update
