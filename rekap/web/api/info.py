"""Election information over the API: the TPS directory, the schedule, committees (public: position and name),
'find my TPS', and the internal reads and writes of operators (gated by `requires`)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from rekap.domain.errors import NotFound
from rekap.domain.regions import NATION
from rekap.services.committees import INTERNAL_COLUMNS, PublicMember
from rekap.services.directory import DirectoryView, TpsInfo
from rekap.services.register import RegisterStats
from rekap.services.schedule import Schedule
from rekap.services.views import json_of
from rekap.web import access
from rekap.web.access import Acting, requires_grant
from rekap.web.deps import Services, ServicesDep, public_json

#: a public read (a login in internal-only mode); the lookup too, which changes nothing
PUBLIC_READ = [Depends(access.requires("public.read"))]

router = APIRouter(prefix="/api/v1", tags=["information"])
T = TypeVar("T")


def need(part: T | None) -> T:
    assert part is not None, "wired by the composition root"
    return part


class StageIn(BaseModel):
    id: str
    name: str
    start: str
    end: str = ""


class FindIn(BaseModel):
    nik: str = Field(max_length=32, description="the voter's NIK (16 digits, as on the KTP)")
    birth_date: str = Field(default="", max_length=10, description="YYYY-MM-DD")
    name: str = Field(default="", max_length=200, description="the name as on the KTP, if no birth date is given")


class FoundTps(BaseModel):
    masked_name: str
    tps: TpsInfo
    page: str


def schedule_view(schedule: Schedule, election: str) -> dict[str, Any]:
    current, coming = schedule.now(election)
    return {
        "election": election,
        "today": schedule.today(),
        "current": current.id if current else None,
        "next": coming.id if coming else None,
        "stages": [s.to_payload() for s in schedule.stages(election)],
    }


@router.get("/tps-directory/{region_code}", response_model=DirectoryView, dependencies=PUBLIC_READ)
def get_directory(request: Request, region_code: str, svc: ServicesDep) -> Response:
    return public_json(request, need(svc.directory).region(region_code), max_age=30)


@router.get("/tps/{tps_code}/info", dependencies=PUBLIC_READ)
def get_tps_info(request: Request, tps_code: str, svc: ServicesDep) -> Response:
    info = need(svc.directory).tps(tps_code)
    members = committee_for(svc, info)
    body = {"tps": info, "committee": members}
    return public_json(request, body, max_age=30, kind=dict[str, TpsInfo | list[PublicMember]])


def committee_for(svc: Services, info: TpsInfo) -> list[PublicMember]:
    kel = info.kelurahan.code
    return need(svc.committees).public_of([info.code, kel, kel.rsplit(".", 1)[0]])


@router.get("/elections/{election_id}/schedule", dependencies=PUBLIC_READ)
def get_schedule(request: Request, election_id: str, svc: ServicesDep) -> Response:
    return public_json(request, schedule_view(need(svc.schedule), election_id), max_age=60)


@router.post("/find-my-tps", response_model=FoundTps, responses={404: {}, 429: {}}, dependencies=PUBLIC_READ)
def find_my_tps(request: Request, body: FindIn, svc: ServicesDep) -> Response:
    """A voter's TPS from their NIK and birth date (or name). Nothing else is ever answered about the register;
    a miss is a 404 whether the NIK is unknown or the birth date is wrong."""
    ip = request.client.host if request.client else "-"
    found = need(svc.finder).find(body.nik, ip, body.birth_date, body.name)
    if found is None:
        raise NotFound("no voter with this NIK and birth date (or name) in the register", field="nik")
    out = FoundTps(masked_name=found.masked_name, tps=found.tps, page=f"/tps/{found.tps.code}")
    return Response(out.model_dump_json(), media_type="application/json", headers={"Cache-Control": "no-store"})


# --- internal: operators and the register ---
Manager = Annotated[Acting, requires_grant("info.manage")]
RegisterReader = Annotated[Acting, requires_grant("register.read")]
ContactReader = Annotated[Acting, requires_grant("committee.contacts")]


@router.put("/admin/elections/{election_id}/schedule", status_code=204, tags=["admin"])
def put_schedule(election_id: str, body: list[StageIn], svc: ServicesDep, who: Manager) -> None:
    need(svc.schedule).set(election_id, [s.model_dump() for s in body], who.actor)


@router.get("/admin/register/stats", response_model=RegisterStats, tags=["admin"])
def get_register_stats(svc: ServicesDep, who: RegisterReader, region: str = NATION) -> Response:
    schedule = need(svc.schedule)
    stats = need(svc.register).stats(region, schedule.today())
    if stats is None:
        raise NotFound("no voter register has been imported", field="register")
    return Response(json_of(stats), media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get("/admin/register/versions", tags=["admin"])
def get_register_versions(svc: ServicesDep, who: RegisterReader) -> Response:
    keys = ("version", "kind", "rows", "added", "removed", "imported_at")
    rows = [dict(zip(keys, v, strict=True)) for v in need(svc.register).versions()]
    return Response(json_of(rows, list[dict[str, int | str]]), media_type="application/json",
                    headers={"Cache-Control": "no-store"})  # fmt: skip


@router.get("/admin/committees.csv", tags=["admin"])
def get_committees_internal(svc: ServicesDep, who: ContactReader) -> Response:
    """Every committee member with their phone and contact data: for the election office, never public."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INTERNAL_COLUMNS)
    writer.writerows(need(svc.committees).export_rows(internal=True))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={"Cache-Control": "no-store"})
