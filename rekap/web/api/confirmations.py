"""Operators confirm a held result (one above what its TPS can have) so that it counts."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from rekap.domain.access import may
from rekap.domain.errors import Forbidden
from rekap.services.tokens import TokenInfo
from rekap.web.deps import ServicesDep, TokenDep

router = APIRouter(prefix="/api/v1", tags=["submissions"])


def requires(action: str) -> Callable[[TokenInfo], Coroutine[Any, Any, TokenInfo]]:
    """The calling token, if its role may take `action` (rekap/domain/access.py ACTIONS)."""

    async def allowed(token: TokenDep) -> TokenInfo:
        if not may(token.role, action):
            raise Forbidden(f"a {token.role} token may not {action}", field="Authorization")
        return token

    return allowed


class ConfirmIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="what the operator checked (the C1 photo…)")


class ConfirmedOut(BaseModel):
    seq: int
    hash: str
    at: str
    confirms: int


@router.post("/submissions/{seq}/confirm", status_code=201, response_model=ConfirmedOut)
def confirm_result(
    seq: int,
    body: ConfirmIn,
    svc: ServicesDep,
    token: Annotated[TokenInfo, Depends(requires("result.confirm"))],
) -> ConfirmedOut:
    assert svc.confirmations is not None, "built by rekap/bootstrap.py"
    e = svc.confirmations.confirm(token, seq, body.reason)
    return ConfirmedOut(seq=e.seq, hash=e.hash, at=e.at, confirms=seq)
