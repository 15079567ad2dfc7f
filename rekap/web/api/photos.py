"""C1 photo upload (authenticated, idempotent) and public download of re-encoded copies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from rekap.domain.errors import PhotoTooLarge
from rekap.domain.people import Actor
from rekap.web.access import requires
from rekap.web.deps import ServicesDep, etagged
from rekap.web.schemas import PhotoOut

router = APIRouter(prefix="/api/v1/photos", tags=["photos"])
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-fA-F]{64}$")]


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PhotoTooLarge(f"{declared} bytes; at most {limit}", field="body")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PhotoTooLarge(f"more than {limit} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


@router.put("/{sha256}", response_model=PhotoOut, responses={201: {"model": PhotoOut}})
async def put_photo(
    sha256: Sha256,
    request: Request,
    response: Response,
    svc: ServicesDep,
    uploader: Annotated[Actor, Depends(requires("photo.upload"))],
    content_type: Annotated[str | None, Header()] = None,
) -> PhotoOut:
    data = await _read_limited(request, svc.photos.max_bytes)
    info, created = await svc.photos.put_async(sha256, data, content_type, uploader_name(uploader))
    response.status_code = 201 if created else 200
    return PhotoOut(**info.__dict__, url=f"/api/v1/photos/{info.sha256}")


def uploader_name(actor: Actor) -> str:
    """The uploader as the photo's row names them: a token, or a person's grant (never a name)."""
    if actor.user and actor.user.startswith("token:"):
        return actor.user
    return f"grant:{actor.grants[0].id}" if actor.grants else "anonymous"


@router.get(
    "/{sha256}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    dependencies=[Depends(requires("public.read"))],
)
def get_photo(
    sha256: Sha256,
    request: Request,
    svc: ServicesDep,
    size: Annotated[str, Query(pattern="^(full|view|small|thumb)$")] = "view",
) -> Response:
    # in this thread (a sync route): a copy from the bucket, or one made for its first view, waits here
    data = svc.photos.public_copy(sha256.lower(), size)
    # content-addressed: the bytes behind this URL never change, from the directory or the bucket alike
    return etagged(
        request,
        data,
        "image/jpeg",
        max_age=31536000,
        extra_headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
