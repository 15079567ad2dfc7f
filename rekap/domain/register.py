"""The voter register (DPS, then DPT) per TPS: the checks of a row, the NIK's keyed hash, the masked name a
citizen is shown, age bands, and the entry that records a version of it (a count and a hash, never a voter)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from rekap.domain.errors import ImportRejected, InvalidInput
from rekap.domain.fold import State
from rekap.domain.log import Draft

KINDS = ("DPS", "DPT")  # the provisional list, then the final one
COLUMNS = ("nik", "name", "sex", "birth_date", "tps")
SEXES = {"L": "L", "P": "P", "M": "L", "F": "P"}  # laki-laki / perempuan (male / female accepted)
#: (first age, last age) of each band the statistics count; the last band has no upper end
AGE_BANDS = ((17, 20), (21, 30), (31, 40), (41, 50), (51, 60), (61, 200))


def nik_digest(key: bytes, nik: str) -> str:
    """HMAC-SHA-256 of a NIK under the server's register key: equal NIKs match, and without the key (held
    outside the database) a stolen table does not give a NIK back by trying all 10^16."""
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()


def check_nik(nik: str, field: str = "nik", line: int | None = None) -> str:
    nik = nik.strip()
    if len(nik) == 16 and nik.isdigit():
        return nik
    if line is None:
        raise InvalidInput("NIK must be 16 digits", field=field)
    raise ImportRejected(f"line {line}: NIK must be 16 digits", field=field, extra={"line": line})


def birth_day(value: str, line: int | None = None, field: str = "birth_date") -> str:
    v = value.strip()
    try:
        if len(v) == 10:
            return date.fromisoformat(v).isoformat()
    except ValueError:
        pass
    if line is None:
        raise InvalidInput("birth date must be YYYY-MM-DD", field=field)
    raise ImportRejected(f"line {line}: birth_date is not YYYY-MM-DD", field=field, extra={"line": line})


def check_voter(line: int, nik: str, name: str, sex: str, birth: str, tps_known: bool) -> tuple[str, str, str]:
    """(nik, sex as L/P, birth date) of a register row, or ImportRejected naming its line."""
    nik = check_nik(nik, line=line)
    if not name.strip():
        raise ImportRejected(f"line {line}: name is empty", field="name", extra={"line": line})
    s = SEXES.get(sex.strip().upper())
    if s is None:
        raise ImportRejected(f"line {line}: sex {sex!r} must be L or P", field="sex", extra={"line": line})
    if not tps_known:
        raise ImportRejected(f"line {line}: the TPS is not a known TPS", field="tps", extra={"line": line})
    return nik, s, birth_day(birth, line)


def mask_name(name: str) -> str:
    """The first letter of each word, then three stars whatever its length: enough for a voter to recognise
    their own entry, too little to tell a name's length."""
    return " ".join(w[0] + "***" for w in name.split())


def normal_name(name: str) -> str:
    return " ".join(name.upper().split())


def age_on(birth: str, day: str) -> int:
    b, d = date.fromisoformat(birth), date.fromisoformat(day)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def age_band(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}+" if high >= 200 else f"{low}-{high}"
    return "<17"


def plan_register_imported(
    state: State, version: int, kind: str, rows: int, sha256: str, added: int, removed: int, actor: str
) -> Draft:
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    expected = len(state.register_versions) + 1
    if version != expected:
        raise InvalidInput(f"the next register version is {expected}, not {version}", field="version")
    payload = {"version": version, "kind": kind, "rows": rows, "sha256": sha256, "added": added, "removed": removed}
    return Draft("register.imported", payload, actor)
