"""Links to the live video of each region's recapitulation plenary."""

from __future__ import annotations

from urllib.parse import urlparse

from rekap.domain.errors import InvalidInput, UnknownRegion
from rekap.domain.fold import State
from rekap.domain.log import Draft, Entry
from rekap.services.context import Context
from rekap.store.ledger import Command


def set_stream(ctx: Context, region: str, url: str, actor: str) -> Entry:
    url = url.strip()
    if url and (urlparse(url).scheme != "https" or not urlparse(url).netloc):
        raise InvalidInput("the stream URL must be an https:// address", field="url")

    def plan(state: State) -> Draft:
        if region not in state.regions:
            raise UnknownRegion(f"no region {region!r}", field="region_code")
        return Draft("stream.set", {"region": region, "url": url}, actor)

    return ctx.ledger.append(Command(plan))
