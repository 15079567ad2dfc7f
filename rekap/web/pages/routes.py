"""Public HTML pages (server-rendered, work without JavaScript)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from rekap.services import queries
from rekap.web.deps import CtxDep, etagged

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def pct(part: int, whole: int) -> str:
    """Percent with 2 decimals from ints only: no float ever touches a count."""
    if whole <= 0:
        return "0,00"
    hundredths = (part * 10000 * 2 + whole) // (2 * whole)
    return f"{hundredths // 100},{hundredths % 100:02d}"


def fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


templates.env.filters["pct"] = lambda p: pct(*p)
templates.env.filters["fmt"] = fmt


@router.get("/")
def index(request: Request, ctx: CtxDep) -> Response:
    contests = queries.list_contests(ctx)
    boards = [(c, queries.totals_for(ctx, c.id, c.scope)) for c in contests]
    html = templates.get_template("index.html").render(
        request=request, boards=boards, simulated=ctx.settings.simulated, note=queries.PROVISIONAL_NOTE
    )
    return etagged(request, html.encode(), "text/html; charset=utf-8")
