"""Admin actions over the API: recap plenary stream links per region."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from rekap.web.access import requires
from rekap.web.deps import AdminDep, ServicesDep
from rekap.web.schemas import StreamIn

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.put("/streams/{region_code}", status_code=204, dependencies=[Depends(requires("stream.set"))])
def put_stream(region_code: str, body: StreamIn, svc: ServicesDep, admin: AdminDep) -> None:
    svc.streams.set(region_code, body.url, admin.actor)
