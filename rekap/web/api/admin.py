"""Admin actions over the API: recap plenary stream links per region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from rekap.domain.people import Actor
from rekap.web.access import actor_name, requires
from rekap.web.deps import ServicesDep
from rekap.web.schemas import StreamIn

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.put("/streams/{region_code}", status_code=204)
def put_stream(
    region_code: str, body: StreamIn, svc: ServicesDep, admin: Annotated[Actor, Depends(requires("stream.set"))]
) -> None:
    svc.streams.set(region_code, body.url, actor_name(admin))
