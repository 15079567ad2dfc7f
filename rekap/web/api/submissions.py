"""Submitting TPS results: one C1 for one contest, with photo hashes, safe to retry."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, Field, StrictInt, field_validator

from rekap.domain.result import Result
from rekap.domain.submission import Report
from rekap.services.submissions import Receipt, submit_result_async
from rekap.web.deps import CtxDep, TokenDep

router = APIRouter(prefix="/api/v1", tags=["submissions"])
JSON = "application/json"
Count = Annotated[StrictInt, Field(ge=-(10**7), le=10**7)]  # negatives reach the C1-NONNEG rule by name


class ResultIn(BaseModel):
    votes: dict[str, Count] = Field(description='votes per candidate ballot number, e.g. {"2": 120}')
    valid: Count
    invalid: Count
    used: Count = Field(description="ballots used (surat suara digunakan)")
    unused: Count
    damaged: Count
    dpt: Count
    dptb: Count
    dpk: Count
    voters: Count = Field(description="voters who voted (pengguna hak pilih)")

    @field_validator("votes")
    @classmethod
    def _numbers(cls, v: dict[str, int]) -> dict[str, int]:
        for k in v:
            if not k.isdigit():
                raise ValueError(f"candidate key {k!r} must be a ballot number")
        return v

    def to_domain(self) -> Result:
        votes = {int(k): n for k, n in self.votes.items()}
        return Result(votes, self.valid, self.invalid, self.used, self.unused, self.damaged, self.dpt, self.dptb,
                      self.dpk, self.voters)  # fmt: skip


class SubmissionIn(BaseModel):
    tps: str = Field(max_length=24, examples=["31.71.01.1001-001"])
    contest: str = Field(max_length=80)
    result: ResultIn
    photos: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(default=[], max_length=20)
    corrects: StrictInt | None = Field(default=None, description="seq of the submission this corrects")
    reason: str | None = Field(default=None, max_length=1000)

    def to_domain(self) -> Report:
        return Report(self.tps, self.contest, self.result.to_domain(), tuple(self.photos), self.corrects, self.reason)


class FindingOut(BaseModel):
    rule: str
    field: str
    expected: int
    got: int
    severity: str


class ReceiptOut(BaseModel):
    seq: int
    hash: str
    at: str
    tps: str
    contest: str
    accepted: bool
    flagged: bool
    findings: list[FindingOut]


@router.post("/submissions", status_code=201, response_model=ReceiptOut)
async def post_submission(
    body: SubmissionIn,
    ctx: CtxDep,
    token: TokenDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    # async: the request waits for the group commit on the event loop instead of holding a threadpool thread
    r = await submit_result_async(ctx, token, body.to_domain(), idempotency_key)
    body_bytes = orjson.dumps(_receipt_json(r))  # the fixed shape of ReceiptOut, without pydantic or json
    if r.replayed:
        return Response(body_bytes, media_type=JSON, headers={"Idempotent-Replayed": "true"})
    return Response(body_bytes, status_code=201, media_type=JSON)


def _receipt_json(r: Receipt) -> dict[str, object]:
    """ReceiptOut as a plain dict: the shape is fixed, so pydantic need not check it on every answer."""
    return {
        "seq": r.seq,
        "hash": r.hash,
        "at": r.at,
        "tps": r.tps,
        "contest": r.contest,
        "accepted": r.accepted,
        "flagged": bool(r.findings),
        "findings": [
            {"rule": f.rule, "field": f.field, "expected": f.expected, "got": f.got, "severity": f.severity}
            for f in r.findings
        ],
    }
