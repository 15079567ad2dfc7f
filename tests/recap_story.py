"""The pieces of a recap story shared by the API and browser tests: TPS results in, D-form figures out."""

from __future__ import annotations

import hashlib
import io

from conftest import CONTEST
from PIL import Image

from rekap.bootstrap import Rekap
from rekap.domain.result import Result
from rekap.domain.submission import Submission

KECAMATAN = "31.71.01"
KEL_A, KEL_B = "31.71.01.1001", "31.71.01.1002"


def report_tps(rekap: Rekap, kelurahan: str, votes: tuple[int, int] = (100, 80), first: int = 1) -> None:
    """An officer's clean C1 for every TPS of a kelurahan (votes differ a little per TPS)."""
    info, _ = rekap.tokens.create("KPPS story", "officer", "test")
    for tps in sorted(c for c, t in rekap.writer.state.tps.items() if t.kelurahan == kelurahan):
        n = int(tps[-3:]) + first
        a, b = votes[0] + n, votes[1] + 2 * n
        dpt = rekap.writer.state.tps[tps].dpt
        result = Result({2: a, 3: b}, a + b, 3, a + b + 3, dpt - (a + b + 3), 0, dpt, 0, 0, a + b + 3)
        rekap.submissions.submit(info, Submission(tps, CONTEST, result))


def recap_body(client, region: str, extra_votes: int = 0, photos: tuple[str, ...] = (), reason: str | None = None):
    """The D-form of a region as the real count adds it up, with `extra_votes` more for candidate 2."""
    t = client.get(f"/api/v1/contests/{CONTEST}/totals/{region}").json()
    votes = {str(v["number"]): v["votes"] for v in t["votes"]}
    votes["2"] += extra_votes
    valid, invalid = t["valid"] + extra_votes, t["invalid"]
    used = valid + invalid
    result = {"votes": votes, "valid": valid, "invalid": invalid, "used": used, "unused": 0, "damaged": 0,
              "dpt": t["progress"]["dpt_total"], "dptb": 0, "dpk": 0, "voters": used}  # fmt: skip
    return {"result": result, "photos": list(photos), "reason": reason}


def d_form_photo(client, token: str) -> str:
    img = Image.new("RGB", (80, 60), (240, 240, 230))
    out = io.BytesIO()
    img.save(out, "JPEG")
    data = out.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    r = client.put(f"/api/v1/photos/{sha}", content=data, headers={**auth(token), "Content-Type": "image/jpeg"})
    assert r.status_code in (200, 201), r.text
    return sha


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def url(region: str, step: str = "") -> str:
    return f"/api/v1/contests/{CONTEST}/recaps/{region}" + (f"/{step}" if step else "")


def cideng_recounted(client, rekap: Rekap) -> str:
    """Gambir's and Cideng's TPS counted; Cideng's plenary adds 25 votes for pair 2, the kecamatan carries them and
    signs off with an explanation. The kecamatan operator's token."""
    report_tps(rekap, KEL_A)
    report_tps(rekap, KEL_B)
    op = rekap.tokens.create("PPK Gambir", "operator", "test", scope=KECAMATAN)[1]
    photo = d_form_photo(client, op)
    client.put(url(KEL_B), json=recap_body(client, KEL_B, 25, (photo,)), headers=auth(op))
    client.put(url(KECAMATAN), json=recap_body(client, KECAMATAN, 25, (photo,)), headers=auth(op))
    client.post(url(KECAMATAN, "sign-off"), json={"explanation": "Cideng recounted"}, headers=auth(op))
    return op
