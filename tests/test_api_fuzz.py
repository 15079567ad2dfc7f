"""Schema-driven fuzzing of the whole API: whatever is sent, the answer is never a server error."""

import atexit
import shutil
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
atexit.register(shutil.rmtree, _dir, ignore_errors=True)  # the schema is built at import, before any fixture
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


_CLEAN = {"votes": {"2": 1, "3": 1}, "valid": 2, "invalid": 0, "used": 2, "unused": 0, "damaged": 0, "dpt": 2,
          "dptb": 0, "dpk": 0, "voters": 2}  # fmt: skip
#: bodies an outside probe found that crashed a handler once (issue 18): the generator must keep sending them
KNOWN_CRASHERS = [
    {"tps": "x", "contest": "y", "result": _CLEAN | {"votes": {"²": 1}}},
    {"tps": "x", "contest": "y", "result": _CLEAN | {"votes": {"9" * 5000: 1}}},
    {"tps": "x", "contest": "y", "result": _CLEAN, "corrects": 2**63, "reason": "r"},
    {"tps": "x", "contest": "y", "result": _CLEAN, "corrects": -(2**64), "reason": "r"},
]


def test_known_crashers_are_clear_client_errors():
    operation = schema["/api/v1/submissions"]["POST"]
    for body in KNOWN_CRASHERS:
        case = operation.Case(body=body, media_type="application/json")
        response = case.call(headers={"Authorization": f"Bearer {_admin}", "Idempotency-Key": "crash"})
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["type"].startswith("/problems/")
