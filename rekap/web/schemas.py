"""The API's request bodies and the answers of its writes, as Pydantic models (the reads answer with the
services' views: rekap/services/views.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictInt, field_validator

from rekap.domain.result import Result
from rekap.domain.submission import MAX_PHOTOS, Submission

Count = Annotated[StrictInt, Field(ge=-(10**7), le=10**7)]  # negatives reach the C1-NONNEG rule by name
#: a log seq: a BIGINT column, so nothing beyond 2**63 - 1 may reach the database (it overflows the driver)
Seq = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
BALLOT_NUMBER_DIGITS = 4


class ResultIn(BaseModel):
    """Every count but the votes may be left out (or null) by a source that did not digitise it: unknown, not
    zero. An officer's C1 gives them all."""

    votes: dict[str, Count] = Field(
        description='votes per candidate ballot number, e.g. {"2": 120}', max_length=200
    )
    valid: Count | None = None
    invalid: Count | None = None
    used: Count | None = Field(default=None, description="ballots used (surat suara digunakan)")
    unused: Count | None = None
    damaged: Count | None = None
    dpt: Count | None = None
    dptb: Count | None = None
    dpk: Count | None = None
    voters: Count | None = Field(default=None, description="voters who voted (pengguna hak pilih)")

    @field_validator("votes")
    @classmethod
    def _numbers(cls, v: dict[str, int]) -> dict[str, int]:
        for k in v:
            # str.isdigit() takes "²" and "٣", which int() refuses; int() refuses more than 4,300 digits
            if not (k.isascii() and k.isdigit() and len(k) <= BALLOT_NUMBER_DIGITS):
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
    photos: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(default=[], max_length=MAX_PHOTOS)
    corrects: Seq | None = Field(default=None, description="seq of the submission this corrects")
    reason: str | None = Field(default=None, max_length=1000)

    def to_domain(self) -> Submission:
        return Submission(
            self.tps, self.contest, self.result.to_domain(), tuple(self.photos), self.corrects, self.reason
        )


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
    held: bool = Field(default=False, description="above what the TPS can have: not counted until an operator confirms")


class PhotoOut(BaseModel):
    sha256: str
    media_type: str
    size: int
    width: int
    height: int
    url: str


class StreamIn(BaseModel):
    url: str = Field(default="", max_length=500, description="https URL of the plenary's live stream; empty removes it")


class RecapIn(BaseModel):
    """The totals a recap plenary announced (its D-form), with the photos of the signed form."""

    result: ResultIn
    photos: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(default=[], max_length=20)
    reason: str | None = Field(default=None, max_length=1000, description="why, when this corrects earlier figures")


class SignOffIn(BaseModel):
    explanation: str = Field(default="", max_length=4000, description="why the recap differs, where it does")


class ReopenIn(BaseModel):
    reason: str = Field(max_length=1000)


class RecapReceiptOut(BaseModel):
    seq: int
    hash: str
    at: str
    kind: str
class PhotoReportIn(BaseModel):
    """C1 photos of a TPS sent without numbers: they wait for digitisation."""

    tps: str = Field(max_length=24, examples=["31.71.01.1001-001"])
    contest: str = Field(max_length=80)
    photos: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(min_length=1, max_length=20)
