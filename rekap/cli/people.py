"""`rekap people …`: accounts, grants and activation codes from the command line (as the machine's admin)."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rekap.cli.common import console, err_console, instance
from rekap.domain.errors import ImportRejected
from rekap.domain.people import PERSON_ROLES
from rekap.domain.regions import NATION
from rekap.services.people import CLI, Issued

app = typer.Typer(no_args_is_help=True, help="People: accounts with role grants, bulk onboarding, activation codes.")


def _write_codes(issued: list[Issued], out: Path | None, base_url: str) -> None:
    """The codes, once: to a CSV for a mail merge or the printed sheet (`/console` prints one with QR codes)."""
    f = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        w = csv.writer(f)
        w.writerow(["user", "name", "phone", "role", "tps", "code", "url", "expires"])
        for i in issued:
            expires = datetime.fromtimestamp(i.expires, UTC).strftime("%Y-%m-%d %H:%M UTC")
            w.writerow([i.user, i.name, i.phone or "", i.role, i.scope, i.code,
                        f"{base_url}/activate?code={i.code}", expires])  # fmt: skip
    finally:
        if out:
            f.close()


Out = Annotated[Path | None, typer.Option("--out", help="write the codes to this CSV (default: standard output)")]
BaseUrl = Annotated[str, typer.Option("--base-url", help="the instance's address, for the activation links")]


@app.command("import")
def import_people(file: Path, out: Out = None, base_url: BaseUrl = "http://127.0.0.1:8000") -> None:
    """Officers, witnesses and volunteers from CSV (name,phone,tps,role[,candidate]): all rows or none."""
    with instance() as rekap:
        try:
            issued = rekap.people.import_officers(CLI, file.read_text(encoding="utf-8-sig"))
        except ImportRejected as err:
            for line in err.extra.get("errors", []):
                err_console.print(line)
            raise
    _write_codes(issued, out, base_url)
    err_console.print(f"imported {len(issued)} people from {file.name}; their activation codes are shown once")


@app.command("add")
def add(
    name: Annotated[str, typer.Option(help="the person's name (internal, never in the log)")],
    role: Annotated[str, typer.Option(help=f"one of {', '.join(PERSON_ROLES)}")],
    scope: Annotated[str, typer.Option(help="region or TPS code")] = NATION,
    username: Annotated[str | None, typer.Option(help="a user name to log in with")] = None,
    phone: Annotated[str | None, typer.Option(help="a phone number to log in with")] = None,
    candidate: Annotated[int | None, typer.Option(help="for a witness: the candidate number")] = None,
    password: Annotated[bool, typer.Option("--password", help="ask for a password now instead of a code")] = False,
    base_url: BaseUrl = "http://127.0.0.1:8000",
) -> None:
    """One person with one grant; prints their activation code unless --password."""
    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    with instance() as rekap:
        user, grant, issued = rekap.people.create(
            CLI, name, role, scope, username=username, phone=phone, password=secret, candidate=candidate
        )
    err_console.print(f"user {user}, grant {grant} ({role} in {scope})")
    if issued:
        _write_codes([issued], None, base_url)


@app.command("grant")
def grant(
    user: str,
    role: Annotated[str, typer.Option(help=f"one of {', '.join(PERSON_ROLES)}")],
    scope: Annotated[str, typer.Option(help="region or TPS code")] = NATION,
    candidate: Annotated[int | None, typer.Option(help="for a witness: the candidate number")] = None,
) -> None:
    with instance() as rekap:
        gid = rekap.people.give(CLI, user, role, scope, candidate)
    console.print(f"grant {gid}: {role} in {scope} for {user}")


@app.command("revoke")
def revoke(grant_id: str) -> None:
    """End one grant (and every token issued under it)."""
    with instance() as rekap:
        rekap.people.revoke(CLI, grant_id)
    console.print(f"revoked {grant_id}")


@app.command("deactivate")
def deactivate(user: str) -> None:
    """End every grant, session, code and token of a person."""
    with instance() as rekap:
        rekap.people.deactivate(CLI, user)
    console.print(f"deactivated {user}")


@app.command("codes")
def codes(users: list[str], out: Out = None, base_url: BaseUrl = "http://127.0.0.1:8000") -> None:
    """New activation codes for these users (a lost sheet, a forgotten PIN): the old ones stop working."""
    with instance() as rekap:
        issued = rekap.people.reissue(CLI, users)
    _write_codes(issued, out, base_url)


@app.command("list")
def listing(scope: Annotated[str, typer.Option(help="region or TPS code")] = NATION) -> None:
    from rekap.domain.grants import Grant
    from rekap.domain.people import Actor

    with instance() as rekap:
        rows = rekap.people.in_scope(Actor("cli", (Grant("cli", "cli", "admin", scope),)))
    table = Table("user", "name", "role", "scope", "phone", "activated")
    for r in rows:
        table.add_row(r["id"], r["name"], r["role"], r["scope"], r["phone"] or "", "yes" if r["activated_at"] else "no")
    console.print(table)


@app.command("lock")
def lock(contest: str, unlock: Annotated[bool, typer.Option("--unlock", help="open it again")] = False) -> None:
    """Lock (or unlock) the submissions of a contest."""
    with instance() as rekap:
        rekap.people.lock(CLI, contest, not unlock)
    console.print(f"{contest}: {'open' if unlock else 'locked'}")
