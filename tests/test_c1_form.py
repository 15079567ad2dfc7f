"""The simulated C1-plano renderer: valid portrait JPEG, deterministic per seed, sensitive to the numbers."""

import dataclasses
import io

import pytest
from PIL import Image

from rekap.demo.c1_form import C1Form, render_c1


def _form(n_candidates: int = 2) -> C1Form:
    candidates = tuple(
        (i + 1, f"Calon Gubernur {i + 1} - Calon Wakil {i + 1}", 20 + 7 * i) for i in range(n_candidates)
    )
    valid = sum(votes for _, _, votes in candidates)
    return C1Form(
        election="Pilkada DKI Jakarta 2017 putaran 2",
        contest="Gubernur dan Wakil Gubernur DKI Jakarta",
        region_names=("DKI Jakarta", "Kota Administrasi Jakarta Selatan", "Kebayoran Baru", "Gunung"),
        tps_number=17,
        candidates=candidates,
        valid=valid,
        invalid=4,
        used=valid + 4,
        unused=120,
        damaged=1,
        dpt=580,
        dptb=3,
        dpk=6,
        voters=valid + 4,
    )


def _decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_renders_portrait_jpeg_of_requested_width() -> None:
    for width in (1000, 640):
        img = _decode(render_c1(_form(), width=width))
        assert img.format == "JPEG"
        assert img.width == width
        assert img.height > img.width * 1.3


def test_same_form_and_seed_give_identical_bytes() -> None:
    assert render_c1(_form(), seed=5) == render_c1(_form(), seed=5)


def test_seed_changes_the_handwriting() -> None:
    assert render_c1(_form(), seed=1) != render_c1(_form(), seed=2)


def test_different_votes_give_different_bytes() -> None:
    form = _form()
    (number, names, votes), rest = form.candidates[0], form.candidates[1:]
    changed = dataclasses.replace(form, candidates=((number, names, votes + 1), *rest), valid=form.valid + 1)
    assert render_c1(form) != render_c1(changed)


def test_twenty_candidates_render() -> None:
    img = _decode(render_c1(_form(20)))
    assert img.width == 1000
    assert img.height > img.width


def test_rejects_non_int_counts() -> None:
    with pytest.raises(TypeError):
        dataclasses.replace(_form(), valid=10.0)
    with pytest.raises(ValueError):
        dataclasses.replace(_form(), invalid=-1)
