"""JSON for the store's text columns, through orjson where it gives exactly what the standard library would.

A national rebuild decodes 823k log payloads and encodes three JSON columns for each of 823k submissions and
accepted results; orjson does each in a fraction of the time `json` takes (see docs/scale.md). Where the two
could differ, the standard library decides.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from rekap.domain.log import canonical_text


def loads(text: str) -> Any:
    """What json.loads(text) returns.

    orjson reads an integer beyond 64 bits as a float where json reads it exactly; the log holds no floats,
    so when orjson's value, encoded canonically, is not the text it came from (every payload in the log is
    canonical text), json decides."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN, lone surrogates, …: json accepts some of what orjson refuses
        return json.loads(text)
    if orjson.dumps(value, option=orjson.OPT_SORT_KEYS) != text.encode():
        return json.loads(text)
    return value


def canonical_dumps(obj: Any) -> str:
    """What rekap.domain.log.canonical_text(obj) returns, for dicts with str keys and values of the log
    (which never holds a float: the canonical encoder refuses them)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # an integer beyond 64 bits
        return canonical_text(obj)


def dumps(obj: Any) -> str:
    """Compact JSON, keys in the order given."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
