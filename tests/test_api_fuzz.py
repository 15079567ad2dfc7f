"""Schema-driven fuzzing of the whole API: whatever is sent, the answer is never a server error."""

import tempfile
from pathlib import Path

import schemathesis
from conftest import small_tps_file
from hypothesis import HealthCheck, settings

from rekap.bootstrap import Rekap
from rekap.demo.simulate import DATA
from rekap.settings import Settings

_dir = Path(tempfile.mkdtemp(prefix="rekap-fuzz-"))
_ctx = Rekap.open(Settings(data_dir=_dir))
_ctx.imports.regions(DATA / "wilayah_dki.csv", "test")
_ctx.imports.tps(small_tps_file(_dir), "test")
_ctx.imports.election(DATA / "pilkada_dki2017_r2.toml", "test")
_admin = _ctx.tokens.create("fuzz admin", "admin", "test")[1]
schema = schemathesis.openapi.from_asgi("/openapi.json", _ctx.web_app())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call(headers={"Authorization": f"Bearer {_admin}"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        problem = response.json()  # RFC 9457: every error says what kind it is and how bad
        assert problem["type"].startswith("/problems/") and problem["status"] == response.status_code
