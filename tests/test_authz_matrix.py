"""Every route × every role × in scope / out of scope / anonymous × public / internal-only: the answer is what
`may()` says of the permission the route declares. A route that declares none fails here.

One app on SQLite for the whole module, one session per role, direct TestClient calls."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response

from rekap.bootstrap import Rekap
from rekap.demo.simulate import DATA
from rekap.domain.people import Actor, may
from rekap.services.people import CLI
from rekap.settings import Settings
from rekap.web.access import CSRF_COOKIE, SESSION_COOKIE, Requires
from tests.conftest import CONTEST, KELURAHAN, TPS, small_tps_file

ELSEWHERE_TPS = "31.01.01.1001-001"
ELSEWHERE_KELURAHAN = "31.01.01.1001"
#: routes that hold no data of the election and need no permission
EXEMPT = {"/openapi.json", "/docs", "/docs/start.js", "/docs/oauth2-redirect", "/problems/{slug}"}
#: what each path parameter is, inside and outside the scope of the roles below
PARAMS_IN = {"tps_code": TPS, "kelurahan": KELURAHAN, "contest_id": CONTEST, "region_code": "31.71", "code": "31.71",
             "sha256": "0" * 64, "slug": "forbidden", "kind": "flagged", "seq": "1",
             "election_id": "pilkada-dki-2017-r2",
             "alert_id": "1", "action": "acknowledge"}  # fmt: skip
PARAMS_OUT = {**PARAMS_IN, "tps_code": ELSEWHERE_TPS, "kelurahan": ELSEWHERE_KELURAHAN, "region_code": "31.01"}
#: every role, with a grant in Gambir (31.71.01) or on its TPS 001
ROLES = {
    "admin": "ID",
    "operator": "31.71.01",
    "officer": TPS,
    "witness": TPS,
    "volunteer": TPS,
    "supervisor": "31.71",
    "viewer": "31.71",
    "health": "31.71",
}
CSRF = "matrix-csrf-token"


@dataclasses.dataclass
class World:
    rekap: Rekap
    client: TestClient
    actors: dict[str, Actor]
    users: dict[str, str]


@pytest.fixture(scope="module")
def world(template_dbs: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("matrix")
    shutil.copy(template_dbs["sqlite"], tmp / "rekap.sqlite3")
    settings = Settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'rekap.sqlite3'}",
                        photo_required_from=frozenset(), argon2_memory_kib=1024)  # fmt: skip
    rekap = Rekap.open(settings, create=False)
    rekap.imports.regions(DATA / "wilayah_dki.csv", "test")
    rekap.imports.tps(small_tps_file(Path(tmp)), "test")
    rekap.imports.election(DATA / "pilkada_dki2017_r2.toml", "test")
    actors, users = {}, {}
    for role, scope in ROLES.items():
        user, _, _ = rekap.people.create(CLI, f"{role} person", role, scope, candidate=2 if role == "witness" else None)
        with rekap.db.reader.connect() as conn:
            from rekap.store import people as stored

            actors[role] = Actor(user, stored.live_grants(conn, user))
        users[role] = user
    with TestClient(rekap.web_app(), follow_redirects=False) as client:
        yield World(rekap, client, actors, users)
    rekap.close()


def flat_routes(app: Any) -> Iterator[tuple[str, set[str], Any]]:
    """(path, methods, dependant) of every API route, whether the router included them flat (older FastAPI) or
    as included routers with their own dependencies (newer)."""
    for r in app.routes:
        if isinstance(r, APIRoute):
            yield r.path, set(r.methods), r.dependant
        elif hasattr(r, "effective_route_contexts"):
            for ctx in r.effective_route_contexts():
                yield ctx.path, set(ctx.methods or ()), ctx.dependant


def declared(path: str, dependant: Any) -> Requires | None:
    """The permission a route declares: the one `requires(...)` among its dependencies."""
    found: list[Requires] = []

    def walk(dep: Any) -> None:
        for d in dep.dependencies:
            if isinstance(d.call, Requires):
                found.append(d.call)
            walk(d)

    walk(dependant)
    assert len(found) <= 1, f"{path} declares {len(found)} permissions"
    return found[0] if found else None


def routes(world: World) -> list[tuple[str, str, Requires]]:
    out = []
    for path, methods, dependant in flat_routes(world.client.app):
        if path in EXEMPT:
            continue
        req = declared(path, dependant)
        assert req is not None, f"{sorted(methods)} {path} declares no permission: add requires('…')"
        for method in sorted(methods - {"HEAD"}):
            out.append((method, path, req))
    return out


def test_every_route_declares_a_permission(world: World) -> None:
    assert len(routes(world)) > 25


def _call(world: World, method: str, path: str, session: str | None) -> Response:
    cookies = {CSRF_COOKIE: CSRF}
    if session:
        cookies[SESSION_COOKIE] = session
    world.client.cookies.clear()
    for k, v in cookies.items():
        world.client.cookies.set(k, v)
    headers = {"accept": "text/html", "x-csrf-token": CSRF}
    if path == "/api/v1/events":
        headers["accept"] = "text/event-stream"
    if method == "GET":
        return world.client.get(path, headers=headers)
    return world.client.request(method, path, headers=headers, data={"csrf": CSRF})


def _refused(resp: Response) -> bool:
    if resp.status_code == 303:
        return resp.headers["location"].startswith("/login?next=")
    if resp.status_code in (401, 403) and resp.headers.get("content-type", "").startswith("application/problem"):
        return resp.json()["type"] in ("/problems/unauthorized", "/problems/forbidden")
    return False


@pytest.mark.parametrize("public", [True, False], ids=["public", "internal-only"])
def test_the_route_table_against_may(world: World, public: bool) -> None:
    svc = world.rekap.web_services()
    world.client.app.state.services = dataclasses.replace(svc, public=public)  # type: ignore[attr-defined]
    sessions = {role: world.rekap.sessions.start(user) for role, user in world.users.items()}
    wrong = []
    for method, template, req in routes(world):
        streams = template.endswith("/events") and method == "GET"  # the live pages and the health dashboard
        scopes = [("in", PARAMS_IN), ("out", PARAMS_OUT)] if req.target else [("in", PARAMS_IN)]
        for where, params in scopes:
            path = template.format(**{k: v for k, v in params.items()})
            target = params.get(req.target) if req.target else None
            cases: list[tuple[str, Actor, str | None]] = [("anonymous", Actor.anonymous(), None)]
            cases += [(role, world.actors[role], None) for role in ROLES]
            for who, actor, _ in cases:
                session = sessions.get(who)
                allowed = may(actor, req.action, target, public=public)
                if streams and allowed:
                    continue  # an allowed event stream never ends; its refusals are checked
                resp = _call(world, method, path, session)
                if template == "/logout" and session:
                    sessions[who] = world.rekap.sessions.start(actor.user or "")
                if allowed == _refused(resp):
                    wrong.append(f"{method} {path} {who} ({where}): may={allowed} got {resp.status_code}")
    world.client.app.state.services = svc  # type: ignore[attr-defined]
    assert not wrong, "\n".join(wrong[:40])
