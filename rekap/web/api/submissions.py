"""Submitting TPS results: one C1 for one contest, with photo hashes, safe to retry."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Response

from rekap.services.submissions import Receipt
from rekap.web.deps import ServicesDep, TokenDep
from rekap.web.schemas import ReceiptOut, SubmissionIn

router = APIRouter(prefix="/api/v1", tags=["submissions"])
JSON = "application/json"


@router.post("/submissions", status_code=201, response_model=ReceiptOut)
async def post_submission(
    body: SubmissionIn,
    svc: ServicesDep,
    token: TokenDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    # async: the request waits for the group commit on the event loop instead of holding a threadpool thread
    r = await svc.submissions.submit_async(token, body.to_domain(), idempotency_key)
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
        "held": r.accepted and any(f.severity == "bound" for f in r.findings),
        "findings": [
            {"rule": f.rule, "field": f.field, "expected": f.expected, "got": f.got, "severity": f.severity}
            for f in r.findings
        ],
    }
