"""Operators confirm a held result (one above what its TPS can have) so that it counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from rekap.domain.people import Actor
from rekap.web import access
from rekap.web.deps import ServicesDep

router = APIRouter(prefix="/api/v1", tags=["submissions"])


class ConfirmIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="what the operator checked (the C1 photo…)")


class ConfirmedOut(BaseModel):
    seq: int
    hash: str
    at: str
    confirms: int


@router.post("/submissions/{seq}/confirm", status_code=201, response_model=ConfirmedOut)
def confirm_result(
    seq: Annotated[int, Path(ge=1, le=2**63 - 1, description="the seq of the held result's entry")],
    body: ConfirmIn,
    svc: ServicesDep,
    actor: Annotated[Actor, Depends(access.requires("result.confirm"))],
) -> ConfirmedOut:
    assert svc.confirmations is not None, "built by rekap/bootstrap.py"
    # the grant that covers the held result's TPS (no such submission: the plan answers 404)
    grant = access.grant_or_403(actor, "result.confirm", svc.confirmations.tps_of(seq), field="seq")
    e = svc.confirmations.confirm(access.actor_name(actor), grant.scope, seq, body.reason)
    return ConfirmedOut(seq=e.seq, hash=e.hash, at=e.at, confirms=seq)
