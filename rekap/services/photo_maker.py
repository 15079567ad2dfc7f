"""`python -m rekap.services.photo_maker`: the child process that makes public photo copies, at the lowest CPU
priority. It reads originals framed on stdin and answers each with its copies (or None: it cannot be decoded)
framed on stdout; it ends when its parent closes the pipe (or dies)."""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
from typing import IO

FRAME = struct.Struct("!I")


def send(out: IO[bytes], payload: bytes) -> None:
    out.write(FRAME.pack(len(payload)) + payload)
    out.flush()


def receive(src: IO[bytes]) -> bytes | None:
    head = src.read(FRAME.size)
    if len(head) < FRAME.size:
        return None
    (size,) = FRAME.unpack(head)
    payload = src.read(size)
    if len(payload) < size:
        return None
    return payload


def main() -> None:
    os.nice(19)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for its parent, which ends it by closing the pipe
    # here, not at the top: the parent imports this module (for the framing) while it imports photos
    from rekap.domain.errors import RekapError
    from rekap.services.photos import public_copies

    while (data := receive(sys.stdin.buffer)) is not None:
        try:
            copies: dict[str, bytes] | None = public_copies(data)
        except RekapError:
            copies = None
        try:
            send(sys.stdout.buffer, pickle.dumps(copies))
        except BrokenPipeError:
            return  # the parent stopped while this photo was being made


if __name__ == "__main__":
    main()
