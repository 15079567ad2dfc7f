"""Server-Sent Events at /api/v1/events: the live values of the pages readers have open, coalesced and diffed.

One hub per event loop listens to every commit (other processes' too, through the follower).
Commits only mark (region, contest) totals, recaps and TPS as touched; at most every MIN_GAP seconds the hub
recomputes the touched topics once, whatever the number of readers, and sends each reader only the values that
changed. A reader who (re)connects first gets all values of its topics.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from rekap.domain.errors import InvalidInput, RekapError
from rekap.domain.regions import path_of
from rekap.log.commits import Committed
from rekap.web.deps import Services, services_of
from rekap.web.pages import live
from rekap.web.pages.i18n import DEFAULT_LANG, LANGS, locale
from rekap.web.pages.recap_view import recap_live

router = APIRouter(prefix="/api/v1", tags=["public"])

#: seconds between two updates of a page: about one a second, and short enough that a number reaches an open
#: page within a second of its commit (the gap, plus computing the page from the read model in memory)
MIN_GAP = 0.75
HEARTBEAT = 15.0  # seconds; keeps proxies from closing an idle stream and finds readers who left
MAX_TOPICS = 24
_TOPIC = re.compile(
    r"^((r|recap):(?P<contest>[A-Za-z0-9_.-]{1,80}):(?P<region>ID|\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)"
    r"|t:(?P<tps>\d{2}\.\d{2}\.\d{2}\.\d{4}-\d{3,4}))$"
)


@dataclass(frozen=True)
class Topic:
    """A region page's values ("r:<contest>:<region>"), the fingerprints of a region's recap and of its children's
    ("recap:<contest>:<region>": a page whose copy differs fetches itself again) or a TPS page, which reloads when
    it changes ("t:<tps>")."""

    name: str
    lang: str
    contest: str = ""
    code: str = ""

    @classmethod
    def parse(cls, text: str, lang: str) -> Topic:
        m = _TOPIC.match(text)
        if not m:
            raise InvalidInput(
                f"not a topic: {text!r}; use r:<contest>:<region>, recap:<contest>:<region> or t:<tps code>",
                field="topic",
            )
        if m["tps"]:
            return cls(text, lang, code=m["tps"])
        return cls(text, lang, m["contest"], m["region"])

    @property
    def is_tps(self) -> bool:
        return self.name.startswith("t:")

    @property
    def is_recap(self) -> bool:
        return self.name.startswith("recap:")


@dataclass(eq=False)
class Reader:
    """One open stream. Updates merge while it is busy, so a slow reader costs memory of one page, no more."""

    ready: asyncio.Event = field(default_factory=asyncio.Event)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    full: set[str] = field(default_factory=set)  # topics whose pending values are all of them, not a diff
    reloads: set[str] = field(default_factory=set)

    def send(self, topic: str, values: dict[str, str], full: bool = False) -> None:
        self.values.setdefault(topic, {}).update(values)
        if full:
            self.full.add(topic)
        self.ready.set()

    def reload(self, topic: str) -> None:
        self.reloads.add(topic)
        self.ready.set()

    def take(self) -> list[str]:
        out = [_message("patch", {"topic": k, "full": k in self.full, "values": v}) for k, v in self.values.items()]
        out += [_message("reload", {"topic": k}) for k in sorted(self.reloads)]
        self.values, self.full, self.reloads = {}, set(), set()
        self.ready.clear()
        return out


def _message(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


@dataclass(eq=False)
class _TopicState:
    readers: set[Reader] = field(default_factory=set)
    joining: set[Reader] = field(default_factory=set)  # wait for all values, not a diff
    values: dict[str, str] = field(default_factory=dict)


class Hub:
    def __init__(self, svc: Services, loop: asyncio.AbstractEventLoop) -> None:
        self.svc, self.loop = svc, loop
        self._topics: dict[Topic, _TopicState] = {}
        self._lock = threading.Lock()  # guards what the writer thread hands over
        self._totals: set[tuple[str, str]] = set()
        self._recaps: set[tuple[str, str]] = set()
        self._tps: set[str] = set()
        self._wake = asyncio.Event()
        self._unsubscribe = svc.subscribe(self._on_commit)
        self._task = loop.create_task(self._run())

    def _on_commit(self, event: Committed) -> None:
        # the writer thread: note what changed and wake the loop; never block a commit
        with self._lock:
            self._totals |= event.totals
            self._tps.update(tps for tps, _ in event.accepted | event.submitted | event.photo_reports)
            # a recap is compared with its children's and shows its children's: a step touches two tiers above;
            # a C1 changes the totals of its whole path, so those topics are in event.totals already
            self._recaps |= event.totals
            self._recaps.update((code, contest) for region, contest in event.recaps for code in path_of(region)[:3])
        try:
            self.loop.call_soon_threadsafe(self._wake.set)
        except RuntimeError:  # the loop is closed: this server has stopped
            self._unsubscribe()

    def close(self) -> None:
        """Stop listening; callable from any thread."""
        self._unsubscribe()
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._task.cancel)

    def join(self, topics: list[Topic], reader: Reader) -> None:
        for topic in topics:
            state = self._topics.setdefault(topic, _TopicState())
            state.readers.add(reader)
            state.joining.add(reader)
        self._wake.set()

    def leave(self, topics: list[Topic], reader: Reader) -> None:
        for topic in topics:
            state = self._topics.get(topic)
            if state is None:
                continue
            state.readers.discard(reader)
            state.joining.discard(reader)
            if not state.readers:
                del self._topics[topic]

    async def _run(self) -> None:
        last = 0.0
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                wait = last + MIN_GAP - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)  # coalesce: everything arriving meanwhile goes in one update
                last = self.loop.time()
                await self._flush()
        finally:
            self._unsubscribe()

    async def _flush(self) -> None:
        with self._lock:
            totals, recaps, tps = self._totals, self._recaps, self._tps
            self._totals, self._recaps, self._tps = set(), set(), set()

        def touched_by(topic: Topic) -> bool:
            if topic.is_tps:
                return topic.code in tps
            return (topic.code, topic.contest) in (recaps if topic.is_recap else totals)

        touched = {tp for tp in self._topics if touched_by(tp)}
        due = [tp for tp, st in self._topics.items() if tp in touched or st.joining]
        if not due:
            return
        computed = await asyncio.to_thread(self._compute, [tp for tp in due if not tp.is_tps])
        for topic in due:
            state = self._topics.get(topic)
            if state is None:  # everyone left while we computed
                continue
            if topic.is_tps:
                if topic in touched:  # joiners too: their page may have been drawn before this change
                    for reader in state.readers:
                        reader.reload(topic.name)
            elif topic in computed:
                new = computed[topic]
                diff = {k: v for k, v in new.items() if state.values.get(k) != v}
                for reader in state.readers:
                    if reader in state.joining:
                        reader.send(topic.name, new, full=True)
                    elif diff:
                        reader.send(topic.name, diff)
                state.values = new
            state.joining.clear()

    def _compute(self, topics: list[Topic]) -> dict[Topic, dict[str, str]]:
        out = {}
        for topic in topics:
            try:
                if topic.is_recap:
                    out[topic] = recap_live(self.svc, topic.contest, topic.code)
                else:
                    out[topic] = live.region_live(self.svc, topic.contest, topic.code, locale(topic.lang))
            except RekapError:  # an unknown contest or region: its readers simply get nothing
                continue
        return out


def hub_for(request: Request) -> Hub:
    loop = asyncio.get_running_loop()
    hub: Hub | None = getattr(request.app.state, "event_hub", None)
    if hub is None or hub.loop is not loop:  # first reader, or the app runs in a new loop (a restarted server)
        if hub is not None:
            hub.close()
        hub = request.app.state.event_hub = Hub(services_of(request), loop)
    return hub


# Not in the OpenAPI schema: a stream that never ends is no use to schema-driven clients and fuzzers, which
# would wait for its end; docs/dashboard.md describes it.
@router.get("/events", include_in_schema=False)
async def events(
    request: Request,
    topic: Annotated[
        list[str], Query(description="r:<contest>:<region>, recap:<contest>:<region> or t:<tps code>; repeat")
    ],
    lang: Annotated[str, Query(max_length=5)] = DEFAULT_LANG,
) -> StreamingResponse:
    """Live updates of public pages as Server-Sent Events: `patch` carries the changed values of a region
    page or the new fingerprints of a recap (`{topic, values}`), `reload` says a TPS page changed. At most about
    one update per second."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    if len(topic) > MAX_TOPICS:
        raise InvalidInput(f"at most {MAX_TOPICS} topics", field="topic")
    topics = list(dict.fromkeys(Topic.parse(name, lang) for name in topic))
    hub = hub_for(request)
    reader = Reader()
    hub.join(topics, reader)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\n\n"
            while True:
                try:
                    await asyncio.wait_for(reader.ready.wait(), HEARTBEAT)
                except TimeoutError:
                    yield ": ping\n\n"
                    continue
                for message in reader.take():
                    yield message
        finally:
            hub.leave(topics, reader)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
