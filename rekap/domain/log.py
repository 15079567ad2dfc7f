"""Log entries: the canonical encoding, the SHA-256 hash chain, and checking a chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

KINDS = (
    "regions.imported",
    "tps.imported",
    "election.defined",
    "result.submitted",
    "token.created",
    "token.revoked",
    "stream.set",
    "recap.started",
    "recap.entered",
    "recap.signed_off",
    "recap.reopened",
    "result.confirmed",
    "grants.given",
    "grant.revoked",
    "user.activated",
    "user.deactivated",
    "contest.locked",
    "photos.reported",
    "schedule.set",
    "committees.imported",
    "register.imported",
)

#: where an entry of these kinds says which region it is about: the log stores the province of it beside the
#: entry, so that a rebuild in parts reads each part's entries by an index rather than by parsing payloads
_REGION_KEY = {"result.submitted": "tps", "result.confirmed": "tps"}


_LEAVES = frozenset({str, int, bool, type(None)})


def _no_floats(obj: Any) -> Any:
    kind = type(obj)
    if kind in _LEAVES:  # most of a payload: checked by type alone (an isinstance of Mapping costs far more)
        return obj
    if isinstance(obj, float):
        raise TypeError("floats are not allowed in log entries; numbers are ints")
    if kind is dict or isinstance(obj, Mapping):
        for v in obj.values():
            _no_floats(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _no_floats(v)
    return obj


def canonical(obj: Any) -> bytes:
    """Sorted-key compact JSON in UTF-8: the bytes that get hashed."""
    return json.dumps(_no_floats(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_text(obj: Any) -> str:
    return canonical(obj).decode()


def province_of(kind: str, payload: Mapping[str, Any]) -> str | None:
    """The province (two digits of a Kemendagri code) an entry is about; None for imports, contests, tokens."""
    key = _REGION_KEY.get(kind)
    return str(payload[key])[:2] if key else None


def now_iso() -> str:
    """UTC to the microsecond, e.g. 2024-02-14T13:05:09.120000Z (isoformat: several times faster than strftime)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry before it has a place in the chain."""

    kind: str
    payload: Mapping[str, Any]
    actor: str


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    prev_hash: str
    hash: str
    kind: str
    payload: Mapping[str, Any]
    actor: str
    at: str
    #: canonical_text(payload), when the writer has it already (it hashed those very bytes)
    payload_text: str | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "kind": self.kind,
            "payload": self.payload,
            "actor": self.actor,
            "at": self.at,
        }


def entry_hash(seq: int, prev_hash: str, kind: str, payload: Mapping[str, Any], actor: str, at: str) -> str:
    body = {"seq": seq, "prev_hash": prev_hash, "kind": kind, "payload": payload, "actor": actor, "at": at}
    return hashlib.sha256(canonical(body)).hexdigest()


def _hash_of_text(seq: int, prev_hash: str, kind: str, payload_text: str, actor: str, at: str) -> str:
    """entry_hash, from the payload's canonical text: the body's keys sort as actor, at, kind, payload,
    prev_hash, seq, so its canonical bytes are the payload's between the others' (see test_log_chain)."""
    head = canonical({"actor": actor, "at": at, "kind": kind})[:-1]
    tail = canonical({"prev_hash": prev_hash, "seq": seq})[1:]
    return hashlib.sha256(b"".join((head, b',"payload":', payload_text.encode(), b",", tail))).hexdigest()


def seal(draft: Draft, seq: int, prev_hash: str, at: str) -> Entry:
    """The draft as entry `seq` after `prev_hash`; its payload is encoded once, for the hash and the log row."""
    text = canonical_text(draft.payload)
    h = _hash_of_text(seq, prev_hash, draft.kind, text, draft.actor, at)
    return Entry(seq, prev_hash, h, draft.kind, draft.payload, draft.actor, at, text)


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    reason: str


def check_link(entry: Entry, expected_seq: int, expected_prev: str) -> ChainBreak | None:
    """Why this entry does not continue the chain where it should, or None if it does."""
    if entry.seq != expected_seq:
        return ChainBreak(entry.seq, f"expected seq {expected_seq}, found {entry.seq}")
    if entry.prev_hash != expected_prev:
        return ChainBreak(
            entry.seq,
            f"prev_hash {entry.prev_hash[:16]}… does not match the hash of "
            f"entry {expected_seq - 1} ({expected_prev[:16]}…)",
        )
    if entry.kind not in KINDS:
        return ChainBreak(entry.seq, f"unknown kind {entry.kind!r}")
    try:
        recomputed = entry_hash(entry.seq, entry.prev_hash, entry.kind, entry.payload, entry.actor, entry.at)
    except TypeError as exc:
        return ChainBreak(entry.seq, f"payload cannot be encoded canonically: {exc}")
    if recomputed != entry.hash:
        return ChainBreak(entry.seq, f"stored hash {entry.hash[:16]}… but content hashes to {recomputed[:16]}…")
    return None


def check_chain(entries: Iterable[Entry]) -> ChainBreak | None:
    """The first entry that breaks the chain, or None when every link holds."""
    prev, seq = GENESIS, 1
    for e in entries:
        broken = check_link(e, seq, prev)
        if broken:
            return broken
        prev, seq = e.hash, seq + 1
    return None
