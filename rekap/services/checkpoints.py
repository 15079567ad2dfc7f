"""Signed checkpoints of the log's head (Ed25519): a statement "the log had this hash at this seq", signed with a
key kept outside the database. Published with the snapshots and shown on the site, they let readers and mirrors
catch a log that was later cut short or re-hashed from some entry on, which no check inside one database can.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rekap.domain.errors import InvalidInput
from rekap.domain.log import canonical, now_iso

FORMAT = "rekap-checkpoint-1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    public_key: str  # base64 of the raw 32-byte Ed25519 key
    signature: str = ""

    def statement(self) -> bytes:
        """The bytes signed: canonical JSON of everything but the signature."""
        return canonical({"format": FORMAT, "seq": self.seq, "hash": self.hash, "at": self.at,
                          "public_key": self.public_key})  # fmt: skip

    def to_json(self) -> bytes:
        body = {"format": FORMAT, "seq": self.seq, "hash": self.hash, "at": self.at, "public_key": self.public_key,
                "signature": self.signature}  # fmt: skip
        return json.dumps(body, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Checkpoint:
        try:
            d: dict[str, Any] = json.loads(data)
            if d.get("format") != FORMAT:
                raise ValueError(f"format {d.get('format')!r}")
            return cls(int(d["seq"]), str(d["hash"]), str(d["at"]), str(d["public_key"]), str(d["signature"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"not a rekap checkpoint: {exc}", field="checkpoint") from exc

    def signed_correctly(self, trusted_key: str | None = None) -> bool:
        """The signature holds for its statement, made by `trusted_key` if given (else by the key it names)."""
        if trusted_key is not None and trusted_key != self.public_key:
            return False
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(self.public_key))
            key.verify(base64.b64decode(self.signature), self.statement())
        except (InvalidSignature, ValueError):
            return False
        return True


class Signer:
    """The instance's signing key, in a file of its own (mode 0600) outside the database: whoever can rewrite
    the database cannot forge what the key signed before."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        self._key: Ed25519PrivateKey | None = None

    def ensure(self) -> bool:
        """Create the key if there is none (`rekap init`); True if it was created."""
        if self.key_file.exists():
            return False
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return True

    @property
    def available(self) -> bool:
        return self.key_file.exists()

    def _private(self) -> Ed25519PrivateKey:
        if self._key is None:
            key = serialization.load_pem_private_key(self.key_file.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise InvalidInput(f"{self.key_file} is not an Ed25519 key", field="checkpoint_key")
            self._key = key
        return self._key

    @property
    def public_key(self) -> str:
        raw = self._private().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return _b64(raw)

    def sign(self, seq: int, head_hash: str, at: str | None = None) -> Checkpoint:
        unsigned = Checkpoint(seq, head_hash, at or now_iso(), self.public_key)
        return Checkpoint(unsigned.seq, unsigned.hash, unsigned.at, unsigned.public_key,
                          _b64(self._private().sign(unsigned.statement())))  # fmt: skip


def latest_kept(directory: Path) -> Checkpoint | None:
    """The newest checkpoint this instance kept beside its data (written by each publish)."""
    files = sorted(directory.glob("*.json"), key=lambda p: int(p.stem) if p.stem.isdigit() else -1)
    return Checkpoint.from_json(files[-1].read_bytes()) if files else None


def keep(directory: Path, cp: Checkpoint) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{cp.seq}.json"
    path.write_bytes(cp.to_json())
    return path
