"""Admin actions over the API: recap plenary stream links per region."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from rekap.services.streams import set_stream
from rekap.web.deps import AdminDep, CtxDep

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class StreamIn(BaseModel):
    url: str = Field(default="", max_length=500, description="https URL of the plenary's live stream; empty removes it")


@router.put("/streams/{region_code}", status_code=204)
def put_stream(region_code: str, body: StreamIn, ctx: CtxDep, admin: AdminDep) -> None:
    set_stream(ctx, region_code, body.url, admin.actor)
