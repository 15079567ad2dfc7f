"""`rekap serve --workers N [--ingest-port P]` with the bench's app (rekap's, plus the static-bytes baseline route)."""

from __future__ import annotations

import argparse

from rekap.bootstrap import Rekap
from rekap.settings import Settings

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--ingest-port", type=int)
    a = ap.parse_args()
    rekap = Rekap.open(Settings.from_env(), create=False)
    rekap.serve("127.0.0.1", a.port, a.workers, factory="bench.app:create", ingest_port=a.ingest_port)
