"""The recapitulation plenaries (rekapitulasi berjenjang) of each region: the links to their live streams."""

from __future__ import annotations

from urllib.parse import urlparse

from rekap.domain.errors import InvalidInput, UnknownRegion
from rekap.domain.fold import State
from rekap.domain.log import Draft


def check_stream_url(url: str) -> str:
    url = url.strip()
    if url and (urlparse(url).scheme != "https" or not urlparse(url).netloc):
        raise InvalidInput("the stream URL must be an https:// address", field="url")
    return url


def plan_stream_set(state: State, region: str, url: str, actor: str) -> Draft:
    if region not in state.regions:
        raise UnknownRegion(f"no region {region!r}", field="region_code")
    return Draft("stream.set", {"region": region, "url": check_stream_url(url)}, actor)
