"""Files of the election-information tests: TPS with addresses, committees and a voter register, all fictional."""

from __future__ import annotations

import csv
from pathlib import Path

CIDENG = "31.71.01.1002"
GAMBIR = "31.71.01.1001"
#: fictional voters of Cideng's TPS 1 and 2 (NIK, name, sex, birth date, TPS)
VOTERS = [
    ("3171014101800001", "Siti Rahmawati", "P", "1980-01-01", f"{CIDENG}-001"),
    ("3171010202750002", "Budi Santoso", "L", "1975-02-02", f"{CIDENG}-001"),
    ("3171014303990003", "Dewi Lestari", "P", "1999-03-03", f"{CIDENG}-002"),
    ("3171010404600004", "Agus Salim", "L", "1960-04-04", f"{CIDENG}-002"),
    ("3171010505010005", "Rizky Pratama", "L", "2001-05-05", f"{CIDENG}-002"),
]
PHONE = "081234567890"


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def tps_with_addresses(directory: Path) -> Path:
    """Cideng's first three TPS with (fictional) addresses, coordinates inside the kelurahan, hours and notes."""
    return write_csv(
        directory / "tps_cideng.csv",
        ["kelurahan_code", "tps_number", "dpt_total", "address", "latitude", "longitude", "hours", "access"],
        [
            [CIDENG, 1, 500, "Jl. Cideng Barat No. 1 (simulasi)", "-6.1750", "106.8100", "07:00-13:00",
             "Akses kursi roda, lantai dasar"],
            [CIDENG, 2, 480, "Balai Warga RW 03, Jl. Tanah Abang II (simulasi)", "-6.1760", "106.8110", "07:00-13:00",
             ""],
            [CIDENG, 7, 450, "SDN Cideng 01 (simulasi)", "-6.1745", "106.8095", "", ""],
        ],
    )  # fmt: skip


def committees(directory: Path) -> Path:
    return write_csv(
        directory / "committees.csv",
        ["body", "area", "position", "name", "phone", "contact"],
        [
            ["ppk", "31.71.01", "Ketua", "Hendra Wijaya (simulasi)", PHONE, "ppk.gambir@example.org"],
            ["pps", CIDENG, "Ketua", "Ratna Sari (simulasi)", "081298765432", ""],
            ["kpps", f"{CIDENG}-001", "Ketua", "Joko Susilo (simulasi)", "081311112222", ""],
            ["kpps", f"{CIDENG}-001", "Anggota", "Maya Putri (simulasi)", "", ""],
            ["linmas", f"{CIDENG}-001", "Linmas", "Bambang (simulasi)", "081333334444", ""],
        ],
    )


def register(directory: Path, voters: list[tuple[str, str, str, str, str]] = VOTERS, name: str = "dpt.csv") -> Path:
    return write_csv(directory / name, ["nik", "name", "sex", "birth_date", "tps"], [list(v) for v in voters])
