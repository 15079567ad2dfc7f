"""Submitting TPS results: one C1 for one contest, with photo hashes, safe to retry."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Header, Request, Response

from rekap.domain.people import Actor
from rekap.services.people import GrantCaller
from rekap.services.submissions import Caller, Receipt
from rekap.web.access import grant_or_403, requires
from rekap.web.deps import ServicesDep
from rekap.web.schemas import PhotoReportIn, ReceiptOut, SubmissionIn

router = APIRouter(prefix="/api/v1", tags=["submissions"])
JSON = "application/json"


@router.post("/submissions", status_code=201, response_model=ReceiptOut)
async def post_submission(
    body: SubmissionIn,
    request: Request,
    svc: ServicesDep,
    actor: Annotated[Actor, Depends(requires("result.submit"))],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    # async: the request waits for the group commit on the event loop instead of holding a threadpool thread
    r = await svc.submissions.submit_async(caller_of(request, actor, body), body.to_domain(), idempotency_key)
    body_bytes = orjson.dumps(_receipt_json(r))  # the fixed shape of ReceiptOut, without pydantic or json
    if r.replayed:
        return Response(body_bytes, media_type=JSON, headers={"Idempotent-Replayed": "true"})
    return Response(body_bytes, status_code=201, media_type=JSON)


@router.post("/photo-reports", status_code=201, response_model=ReceiptOut)
def post_photo_report(
    body: PhotoReportIn,
    request: Request,
    svc: ServicesDep,
    actor: Annotated[Actor, Depends(requires("photo.upload"))],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    token = getattr(request.state, "token", None)
    caller = token if token is not None else GrantCaller(grant_or_403(actor, "photo.upload", body.tps))
    r = svc.submissions.report_photos(caller, body.tps, body.contest, tuple(body.photos), idempotency_key)
    body_bytes = orjson.dumps(_receipt_json(r))
    return Response(body_bytes, status_code=200 if r.replayed else 201, media_type=JSON)


def caller_of(request: Request, actor: Actor, body: SubmissionIn) -> Caller:
    """A machine's token as it is; a person through the grant that covers this TPS (a correction needs one that
    may correct)."""
    token = getattr(request.state, "token", None)
    if token is not None:
        return token  # type: ignore[no-any-return]
    grant = grant_or_403(actor, "result.correct" if body.corrects is not None else "result.submit", body.tps)
    return GrantCaller(grant)


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
        "held": r.accepted and any(f.severity == "bound" for f in r.findings),
        "findings": [
            {"rule": f.rule, "field": f.field, "expected": f.expected, "got": f.got, "severity": f.severity}
            for f in r.findings
        ],
    }
