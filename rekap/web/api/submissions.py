"""Submitting TPS results: one C1 for one contest, with photo hashes (or the photos themselves), safe to retry."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from rekap.domain.errors import BodyTooLarge, InvalidInput
from rekap.domain.people import Actor
from rekap.domain.submission import MAX_PHOTOS
from rekap.services.people import GrantCaller
from rekap.services.submissions import Caller, Receipt, SentPhoto
from rekap.web.access import grant_or_403, requires
from rekap.web.api.photos import uploader_name
from rekap.web.deps import ServicesDep
from rekap.web.multipart import FORM_DATA, is_form_data, parts_of
from rekap.web.schemas import PhotoReportIn, ReceiptOut, ResultIn, SubmissionIn

router = APIRouter(prefix="/api/v1", tags=["submissions"])
JSON = "application/json"
SUBMISSION_PART, PHOTO_PART = "submission", "photo"
IGNORED_PARTS = frozenset({"csrf"})  # a browser form's token, which the access check reads by itself
#: both bodies of POST /submissions, parsed by the route itself (a JSON body or a form of parts)
SUBMISSION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON: {"schema": {"$ref": "#/components/schemas/SubmissionIn"}},
            FORM_DATA: {
                "schema": {
                    "type": "object",
                    "required": [SUBMISSION_PART],
                    "properties": {
                        SUBMISSION_PART: {"$ref": "#/components/schemas/SubmissionIn"},
                        PHOTO_PART: {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": MAX_PHOTOS,
                        },
                    },
                },
                "encoding": {
                    SUBMISSION_PART: {"contentType": JSON},
                    PHOTO_PART: {"contentType": "image/jpeg, image/png, image/webp"},
                },
            },
        },
    }
}


async def _body(request: Request) -> bytes:
    """The body, read before the access check (so kept for the route, whose form the check may read for its CSRF
    token first)."""
    return await request.body()


@router.post("/submissions", status_code=201, response_model=ReceiptOut, openapi_extra=SUBMISSION_BODY)
async def post_submission(
    request: Request,
    body: Annotated[bytes, Depends(_body)],
    svc: ServicesDep,
    actor: Annotated[Actor, Depends(requires("result.submit"))],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """A result for one TPS × contest, as JSON, or as `multipart/form-data` with the photos: a part `submission`
    (the same JSON) and a part `photo` for each photo (JPEG, PNG or WebP; each checked as `PUT /api/v1/photos` checks
    an upload, and refused the same way, naming `photo[i]`). The result's `photos` are then the ones its JSON names
    (each sent with it or uploaded before) followed by each photo sent that it does not name. One request is one
    operation: a refused result stores no photo row, and the same `Idempotency-Key` again answers the same receipt
    and stores nothing twice."""
    # async: the request waits for the group commit on the event loop instead of holding a threadpool thread
    content_type = request.headers.get("content-type")
    if is_form_data(content_type):
        sub, sent = _form(body, content_type or "", request.app.state.limits.max_body_bytes)
        caller = caller_of(request, actor, sub)
        r = await svc.submissions.submit_with_photos_async(
            caller, sub.to_domain(), sent, uploader_name(actor), idempotency_key
        )
    else:
        sub = _parsed(body, ("body",))
        r = await svc.submissions.submit_async(caller_of(request, actor, sub), sub.to_domain(), idempotency_key)
    body_bytes = orjson.dumps(_receipt_json(r))  # the fixed shape of ReceiptOut, without pydantic or json
    if r.replayed:
        return Response(body_bytes, media_type=JSON, headers={"Idempotent-Replayed": "true"})
    return Response(body_bytes, status_code=201, media_type=JSON)


def _parsed(data: bytes, where: tuple[str, ...]) -> SubmissionIn:
    """The JSON parsed and checked in one pass (pydantic's own parser); refused as FastAPI refuses a body."""
    try:
        return SubmissionIn.model_validate_json(data)
    except ValidationError as exc:
        errors = [{**e, "loc": (*where, *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def _form(body: bytes, content_type: str, max_json_bytes: int) -> tuple[SubmissionIn, list[SentPhoto]]:
    """The submission part and the photo parts of a form; any other part is refused, not ignored."""
    submission: SubmissionIn | None = None
    sent: list[SentPhoto] = []
    for part in parts_of(body, content_type, MAX_PHOTOS + 1 + len(IGNORED_PARTS)):
        if part.name == SUBMISSION_PART and submission is None:
            if len(part.data) > max_json_bytes:
                raise BodyTooLarge(f"{len(part.data)} bytes; at most {max_json_bytes}", field=SUBMISSION_PART)
            submission = _parsed(part.data, ("body", SUBMISSION_PART))
        elif part.name == PHOTO_PART:
            sent.append(SentPhoto(part.data, part.content_type))
        elif part.name not in IGNORED_PARTS:
            what = "a second part" if part.name == SUBMISSION_PART else "a part"
            raise InvalidInput(f"{what} named {part.name!r}; send {SUBMISSION_PART!r} once and {PHOTO_PART!r} parts",
                               field="body")  # fmt: skip
    if submission is None:
        raise InvalidInput(f"no part named {SUBMISSION_PART!r} (the submission's JSON)", field=SUBMISSION_PART)
    if not sent:
        raise InvalidInput(f"no part named {PHOTO_PART!r}: send photos, or the submission as JSON", field=PHOTO_PART)
    return submission, sent


def document_bodies(app: FastAPI) -> None:
    """Name the submission's JSON in the OpenAPI components: the route parses its body itself, so FastAPI does not."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (SubmissionIn, ResultIn):
                js = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(js.pop("$defs", {}))
                components[model.__name__] = js
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


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
