"""The hash chain: canonical bytes, sealing, and finding exactly the first broken link."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rekap.domain.log import GENESIS, Draft, Entry, canonical, check_chain, seal


def chain(n):
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        e = seal(Draft("stream.set", {"region": "31", "url": f"https://x/{i}", "n": i}, "test"), i, prev,
                 f"2026-01-01T00:00:{i:02d}.000000Z")
        entries.append(e)
        prev = e.hash
    return entries


def test_canonical_is_sorted_compact_utf8():
    assert canonical({"b": 1, "a": "Pulau Kelapa – é"}) == '{"a":"Pulau Kelapa – é","b":1}'.encode()


def test_floats_are_refused():
    with pytest.raises(TypeError):
        canonical({"votes": 1.5})


def test_intact_chain_passes():
    assert check_chain(chain(10)) is None


@given(n=st.integers(2, 12), data=st.data())
def test_any_tampered_entry_is_the_first_reported(n, data):
    entries = chain(n)
    k = data.draw(st.integers(0, n - 1))
    e = entries[k]
    what = data.draw(st.sampled_from(["payload", "actor", "at", "hash", "prev_hash"]))
    changed = {
        "payload": {**e.payload, "n": e.payload["n"] + 1},
        "actor": e.actor + "x",
        "at": e.at.replace("2026", "2025"),
        "hash": "f" * 64,
        "prev_hash": "e" * 64,
    }[what]
    fields = e.to_dict() | {what: changed}
    entries[k] = Entry(**fields)
    broken = check_chain(entries)
    assert broken is not None and broken.seq == e.seq


def test_missing_entry_is_reported():
    entries = chain(5)
    del entries[2]
    broken = check_chain(entries)
    assert broken is not None and broken.seq == 4 and "expected seq 3" in broken.reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)


@given(payload=st.dictionaries(st.text(max_size=6), json_values, max_size=4), actor=st.text(max_size=10),
       seq=st.integers(1, 10**9), kind=st.sampled_from(["result.submitted", "stream.set"]))  # fmt: skip
def test_sealing_encodes_the_payload_once_and_hashes_what_check_chain_recomputes(payload, actor, seq, kind):
    from rekap.domain.log import entry_hash

    e = seal(Draft(kind, payload, actor), seq, GENESIS, "2026-01-01T00:00:00.000001Z")
    assert e.hash == entry_hash(seq, GENESIS, kind, payload, actor, e.at)
    assert e.payload_text == canonical(payload).decode()


def test_now_is_utc_to_the_microsecond():
    import re

    from rekap.domain.log import now_iso

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", now_iso())
