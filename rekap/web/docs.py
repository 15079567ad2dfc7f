"""The interactive API documentation at /docs, from Swagger UI files that rekap serves itself (vendored in
rekap/web/swagger_ui, Apache-2.0): no CDN, and no inline script, so the pages' CSP holds here too."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
ASSETS = "/docs/assets"
SWAGGER_UI = Path(__file__).parent / "swagger_ui"

PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rekap API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script></body></html>
"""
START = """SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
"""


@router.get("/docs")
def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/start.js")
def start() -> Response:
    return Response(START, media_type="text/javascript")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_UI), name="swagger-ui")
