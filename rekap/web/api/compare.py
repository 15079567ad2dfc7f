"""Two sources side by side for a region, as JSON and as CSV of the TPS where they differ."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from rekap.services.compare import ACCEPTED, SourceComparison, SourceComparisonView
from rekap.services.views import json_of
from rekap.web.deps import ServicesDep, etagged

router = APIRouter(prefix="/api/v1", tags=["public"])
Source = Annotated[str, Query(max_length=60, description="a source label (import:kpu, officer, …) or accepted")]


def _service(svc: ServicesDep) -> SourceComparison:
    assert svc.compare is not None, "built by rekap/bootstrap.py"
    return svc.compare


def differences_csv(view: SourceComparisonView) -> bytes:
    """Every TPS where the two sources differ, with both figures of every field that differs."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["tps", "field", view.a, view.b])
    for d in view.differences:
        for f in d.fields:
            w.writerow([d.tps, f, d.a.get(f), d.b.get(f)])
    for code in view.only_a:
        w.writerow([code, "only_in", view.a, ""])
    for code in view.only_b:
        w.writerow([code, "only_in", "", view.b])
    return out.getvalue().encode()


@router.get("/contests/{contest_id}/compare/{region_code}.csv")
def get_comparison_csv(
    request: Request, contest_id: str, region_code: str, svc: ServicesDep, a: Source, b: Source = ACCEPTED
) -> Response:
    view = _service(svc).compare(contest_id, region_code, a, b)
    name = f"rekap-{contest_id}-{region_code}-{a}-vs-{b}.csv".replace(":", "_")
    return etagged(request, differences_csv(view), "text/csv; charset=utf-8",
                   extra_headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/contests/{contest_id}/compare/{region_code}", response_model=SourceComparisonView)
def get_comparison(
    request: Request, contest_id: str, region_code: str, svc: ServicesDep, a: Source, b: Source = ACCEPTED
) -> Response:
    return etagged(request, json_of(_service(svc).compare(contest_id, region_code, a, b)), "application/json")
