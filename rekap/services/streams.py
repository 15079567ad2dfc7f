"""Links to the live video of each region's recapitulation plenary."""

from __future__ import annotations

from functools import partial

from rekap.domain.log import Entry
from rekap.domain.recap import check_stream_url, plan_stream_set
from rekap.log.commands import Command
from rekap.log.writer import LogWriter


class Streams:
    def __init__(self, writer: LogWriter) -> None:
        self.writer = writer

    def set(self, region: str, url: str, actor: str) -> Entry:
        """Link (or, with an empty URL, unlink) a region's plenary stream: an https:// address."""
        url = check_stream_url(url)
        return self.writer.append(Command(partial(plan_stream_set, region=region, url=url, actor=actor)))
