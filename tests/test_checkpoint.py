"""A restart folds only the log after the last checkpoint, and only a checkpoint that is still a prefix of the log."""

import pickle

from conftest import CONTEST, clean_result
from fastapi.testclient import TestClient

from rekap.bootstrap import Rekap
from rekap.domain.fold import State, apply
from rekap.log.checkpoint import Checkpoints
from rekap.log.reader import read_entries
from rekap.store import log_table

TPS = ["31.71.01.1001-001", "31.71.01.1001-002", "31.71.01.1001-003", "31.71.01.1002-001", "31.71.01.1002-002"]


def report(rekap: Rekap, token: str, codes: list[str], votes: tuple[int, int] = (120, 150)) -> None:
    client = TestClient(rekap.web_app())
    for code in codes:
        body = {"tps": code, "contest": CONTEST, "result": clean_result(votes=votes)}
        assert client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {token}"}).is_success


def whole_fold(rekap: Rekap) -> State:
    state = State()
    with rekap.db.reader.connect() as conn:
        for e in read_entries(conn):
            apply(state, e)
    return state


def same(a: State, b: State) -> bool:
    fields = ("seq", "head", "regions", "tps", "contests", "accepted", "latest_by_source", "disagreeing", "totals")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def restarted(rekap: Rekap) -> Rekap:
    again = Rekap.open(rekap.settings, create=False)
    again.writer.state  # noqa: B018
    return again


def test_a_restart_starts_from_the_checkpoint_and_folds_what_came_after(rekap, officer_token):
    report(rekap, officer_token, TPS[:3])
    rekap.writer.state  # noqa: B018
    assert rekap.checkpoint()
    saved = rekap.writer.state.seq
    assert rekap.writer.checkpoint() is None  # nothing new since
    report(rekap, officer_token, TPS[3:])

    again = restarted(rekap)
    try:
        assert again.writer.started_from == saved
        assert again.writer.state.seq > saved
        assert same(again.writer.state, whole_fold(rekap))
    finally:
        again.close()


def test_a_checkpoint_that_the_log_no_longer_holds_is_not_used(rekap, officer_token):
    report(rekap, officer_token, TPS[:2])
    rekap.writer.state  # noqa: B018
    Checkpoints(rekap.settings.fold_checkpoint_dir).write(rekap.writer.state)
    path = Checkpoints(rekap.settings.fold_checkpoint_dir).path
    header, body = path.read_bytes().split(b"\n", 1)

    # a checkpoint that names another hash at its seq (a re-hashed or rebuilt log): folded from the start
    path.write_bytes(header.replace(rekap.writer.state.head.encode(), b"f" * 64) + b"\n" + body)
    again = restarted(rekap)
    try:
        assert again.writer.started_from == 0
        assert same(again.writer.state, whole_fold(rekap))
    finally:
        again.close()

    # a torn file, and one written by other code
    for broken in (header + b"\n" + body[: len(body) // 2], header.replace(b'"code": "', b'"code": "0') + b"\n" + body):
        path.write_bytes(broken)
        again = restarted(rekap)
        try:
            assert again.writer.started_from == 0
            assert same(again.writer.state, whole_fold(rekap))
        finally:
            again.close()


def test_a_checkpoint_past_the_head_of_a_truncated_log_is_not_used(rekap, officer_token):
    report(rekap, officer_token, TPS[:2])
    state = whole_fold(rekap)
    with rekap.db.reader.connect() as conn:
        assert log_table.hash_of(conn, state.seq) == state.head
    state.seq, state.head = state.seq + 5, "e" * 64  # as if entries were deleted after it was written
    path = Checkpoints(rekap.settings.fold_checkpoint_dir).path
    Checkpoints(rekap.settings.fold_checkpoint_dir).write(state)
    assert pickle.loads(path.read_bytes().split(b"\n", 1)[1]).seq == state.seq
    again = restarted(rekap)
    try:
        assert again.writer.started_from == 0
        assert same(again.writer.state, whole_fold(rekap))
    finally:
        again.close()


def test_stopping_the_instance_leaves_a_checkpoint_of_its_head(rekap, officer_token):
    with TestClient(rekap.web_app()) as client:
        body = {"tps": TPS[0], "contest": CONTEST, "result": clean_result()}
        assert client.post("/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {officer_token}"})
    again = restarted(rekap)
    try:
        assert again.writer.started_from == again.writer.state.seq == whole_fold(rekap).seq
    finally:
        again.close()


def test_an_accepted_result_reads_back_from_a_checkpoint_as_it_was():
    import pickle
    from dataclasses import fields

    from rekap.domain.fold.state import Accepted
    from rekap.domain.result import Result
    from rekap.domain.rules import Finding

    a = Accepted(7, 3, "officer", Result({1: 2}, 2, 0, 2, 0, 0, 9, 0, 0, 2), (Finding("C1-SUM", "valid", 1, 2),),
                 "2024-02-14T10:00:00.000000Z", True)  # fmt: skip
    assert pickle.loads(pickle.dumps(a)) == a
    assert len(fields(Accepted)) == 7  # a new field must be added to Accepted.__reduce__ too
