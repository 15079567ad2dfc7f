"""View models of the region pages and the wall: what a page shows, put together from the read models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from rekap.domain.regions import is_within
from rekap.services.recaps import RecapProgress, RecapView
from rekap.services.views import ContestView, RegionRef, TotalsView, TpsStatus
from rekap.web.deps import Services
from rekap.web.geo import Atlas, Shape
from rekap.web.pages.i18n import Locale
from rekap.web.pages.live import colours, live_values, region_topic

ATLAS = Atlas()
MAP_WIDTH = 640


@dataclass(frozen=True)
class TpsLine:
    """One row of a kelurahan's TPS table, ready to print: a large kelurahan has close to 200."""

    href: str
    number: str
    status: str
    status_key: str
    status_text: str
    cells: list[tuple[str, str, str]]  # CSS class, live key, text


def tps_lines(rows: list[TpsStatus], numbers: list[int], values: dict[str, str], loc: Locale) -> list[TpsLine]:
    lines = []
    for r in rows:
        p = r.code + "|"
        keys = [("num", f"{p}v{n}") for n in numbers]
        keys += [("num opt", p + "valid"), ("num opt", p + "invalid"), ("opt small", p + "at")]
        lines.append(
            TpsLine(
                loc.href(f"/tps/{r.code}"),
                f"{r.number:03d}",
                r.status,
                f"{p}st {p}st@data-s",
                values[p + "st"],
                [(cls, key, values[key]) for cls, key in keys],
            )
        )
    return lines


@dataclass(frozen=True)
class MapView:
    view_box: str
    shapes: tuple[Shape, ...]
    tiny: frozenset[str]  # codes drawn in an inset, stroked so that small islands stay visible
    insets: tuple[tuple[int, int, int, int], ...]


def map_view(code: str, width: int) -> MapView | None:
    shapes = ATLAS.children_map(code, width)
    if shapes is None:
        return None
    tiny = frozenset(
        s.code
        for s in shapes.shapes
        for x, y, w, h in shapes.inset_boxes
        if x <= s.label_x <= x + w and y <= s.label_y <= y + h
    )
    return MapView(shapes.view_box, shapes.shapes, tiny, shapes.inset_boxes)


@dataclass(frozen=True)
class Stream:
    url: str
    embed: str | None  # a privacy-friendly player URL when the service is known


def stream_of(url: str | None) -> Stream | None:
    if not url:
        return None
    u = urlparse(url)
    host = u.netloc.lower().removeprefix("www.").removeprefix("m.")
    video = ""
    if host == "youtu.be":
        video = u.path.strip("/")
    elif host == "youtube.com":
        video = parse_qs(u.query).get("v", [""])[0] or u.path.removeprefix("/live/").removeprefix("/embed/")
    ok = re.fullmatch(r"[A-Za-z0-9_-]{6,20}", video)
    return Stream(url, f"https://www.youtube-nocookie.com/embed/{video}" if ok else None)


@dataclass(frozen=True)
class RegionPage:
    contest: ContestView
    totals: TotalsView
    region: RegionRef
    crumbs: list[RegionRef]  # from the contest's scope down to the parent
    values: dict[str, str]
    tps: list[TpsLine]
    rows: list[TpsStatus]  # the same TPS as data, for downloads
    map: MapView | None
    stream: Stream | None
    child_streams: dict[str, str]
    palette: dict[int, str]
    topic: str
    recap: RecapView | None = None  # the plenary's D-form beside the real count


def region_page(svc: Services, contest_id: str, code: str, loc: Locale, map_width: int = MAP_WIDTH) -> RegionPage:
    contest = svc.contests.get(contest_id)
    totals = svc.real_count.totals(contest_id, code)
    region = totals.region
    tps = svc.tps.kelurahan(contest_id, code) if region.level == 4 else []
    kids = [c.region.code for c in totals.children]
    links = svc.regions.streams_of([code, *kids])
    # a region above the scope (the nation for a provincial contest) has no map of its own
    drawable = is_within(code, contest.scope) and region.level < 4
    values = live_values(contest, totals, tps, loc)
    return RegionPage(
        contest=contest,
        totals=totals,
        region=region,
        crumbs=[r for r in totals.path if is_within(r.code, contest.scope)],
        values=values,
        tps=tps_lines(tps, [c.number for c in contest.candidates], values, loc),
        rows=tps,
        map=map_view(code, map_width) if drawable else None,
        stream=stream_of(links.pop(code, None)),
        child_streams=links,
        palette=colours(contest),
        topic=region_topic(contest_id, code),
        recap=svc.recaps.view(contest_id, code) if svc.recaps is not None and is_within(code, contest.scope) else None,
    )


def contest_for(contests: list[ContestView], code: str) -> ContestView | None:
    """The contest whose pages a link to this region should open: the first one that covers it."""
    return next((c for c in contests if is_within(code, c.scope)), None)


def wall_slides(contests: list[ContestView], regions: list[str]) -> list[tuple[str, str]]:
    """(contest, region) of each slide: the chosen regions that a contest covers, or else its scope."""
    return [(c.id, code) for c in contests for code in regions or [c.scope] if is_within(code, c.scope)]


def recap_slides(svc: Services, slides: list[RegionPage]) -> dict[str, RecapProgress]:
    """The wall's recap slide of each region whose plenaries below have begun: which have finished."""
    if svc.recaps is None:
        return {}
    out = {}
    for page in slides:
        kids = [c.region.code for c in page.totals.children]
        if not kids:
            continue
        progress = svc.recaps.progress(page.contest.id, page.region.code, svc.regions.streams_of(kids))
        if set(progress.counts) - {"not_started"}:
            out[page.region.code] = progress
    return out
