"""Render a simulated, hand-filled C1-plano result form of one TPS as a JPEG for the streaming demo."""

import hashlib
import io
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont


@dataclass(frozen=True)
class C1Form:
    election: str  # "Pilkada DKI Jakarta 2017 putaran 2"
    contest: str  # "Gubernur dan Wakil Gubernur DKI Jakarta"
    region_names: tuple[str, ...]  # province, kab/kota, kecamatan, kelurahan names, top first
    tps_number: int
    candidates: tuple[tuple[int, str, int], ...]  # (ballot number, names, votes)
    valid: int
    invalid: int
    used: int
    unused: int
    damaged: int
    dpt: int
    dptb: int
    dpk: int
    voters: int

    def __post_init__(self) -> None:
        counts = [(f.name, getattr(self, f.name)) for f in fields(self) if f.type is int]
        counts += [(f"candidates[{i}]", c[k]) for i, c in enumerate(self.candidates) for k in (0, 2)]
        for name, value in counts:
            # bool is an int subclass; a True vote count is a caller bug, not 1 vote
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if not self.candidates:
            raise ValueError("a C1 form needs at least one candidate")


PAPER = (250, 248, 241)
PRINT = (28, 28, 32)
GREY = (95, 95, 100)
SHADE = (222, 225, 230)
RED = (206, 22, 30)
INK = (22, 46, 152)

_REGION_LABELS = ("PROVINSI", "KABUPATEN/KOTA", "KECAMATAN", "KELURAHAN/DESA")
_SS = 2  # ink is drawn supersampled, then reduced, to get anti-aliased pen strokes

# Pen strokes for each digit in a unit box (x right, y down); True marks a curve to be smoothed.
_Stroke = tuple[bool, tuple[tuple[float, float], ...]]


def _oval() -> tuple[tuple[float, float], ...]:
    # starts near the top and overshoots a little, the way a hand closes a zero
    angles = [math.radians(-100 - 30 * i) for i in range(14)]
    return tuple((0.5 + 0.46 * math.cos(a), 0.5 + 0.5 * math.sin(a)) for a in angles)


_DIGITS: dict[str, tuple[_Stroke, ...]] = {
    "0": ((True, _oval()),),
    "1": ((False, ((0.22, 0.24), (0.6, 0.0), (0.6, 1.0))),),
    "2": (
        (True, ((0.08, 0.25), (0.25, 0.03), (0.6, 0.0), (0.88, 0.2), (0.8, 0.45), (0.45, 0.72), (0.06, 1.0))),
        (False, ((0.06, 1.0), (0.96, 0.98))),
    ),
    "3": (
        (True, ((0.1, 0.12), (0.45, 0.0), (0.82, 0.1), (0.82, 0.34), (0.4, 0.48))),
        (True, ((0.4, 0.48), (0.86, 0.58), (0.92, 0.82), (0.55, 1.0), (0.08, 0.9))),
    ),
    "4": ((False, ((0.7, 1.0), (0.7, 0.0), (0.04, 0.68), (0.98, 0.68))),),
    "5": (
        (False, ((0.9, 0.0), (0.22, 0.02), (0.15, 0.46))),
        (
            True,
            ((0.15, 0.46), (0.5, 0.36), (0.86, 0.5), (0.9, 0.77), (0.65, 0.98), (0.35, 1.0), (0.06, 0.88)),
        ),
    ),
    "6": (
        (
            True,
            (
                (0.82, 0.06),
                (0.5, 0.0),
                (0.18, 0.24),
                (0.1, 0.62),
                (0.22, 0.93),
                (0.5, 1.0),
                (0.8, 0.9),
                (0.88, 0.68),
                (0.7, 0.5),
                (0.42, 0.47),
                (0.13, 0.62),
            ),
        ),
    ),
    "7": ((False, ((0.04, 0.02), (0.96, 0.0), (0.38, 1.0))),),
    "8": (
        (
            True,
            (
                (0.5, 0.47),
                (0.82, 0.3),
                (0.8, 0.07),
                (0.5, 0.0),
                (0.2, 0.07),
                (0.18, 0.3),
                (0.5, 0.47),
                (0.87, 0.68),
                (0.84, 0.93),
                (0.5, 1.0),
                (0.14, 0.93),
                (0.13, 0.68),
                (0.5, 0.47),
            ),
        ),
    ),
    "9": (
        (
            True,
            ((0.86, 0.16), (0.55, 0.0), (0.18, 0.06), (0.12, 0.31), (0.36, 0.49), (0.7, 0.42), (0.86, 0.2)),
        ),
        (False, ((0.86, 0.2), (0.8, 1.0))),
    ),
}


@lru_cache(maxsize=64)
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(6, px))


def _chaikin(pts: list[tuple[float, float]], rounds: int = 2) -> list[tuple[float, float]]:
    for _ in range(rounds):
        out = [pts[0]]
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            out += [
                (0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1),
                (0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1),
            ]
        out.append(pts[-1])
        pts = out
    return pts


@lru_cache(maxsize=1024)
def _text_mask(s: str, px: int, anchor: str, bold: bool) -> tuple[Image.Image, int, int]:
    """Glyph coverage of one printed string; cached because every form repeats the same labels."""
    font = _font(px)
    stroke = 1 if bold and px >= 22 else 0
    left, top, right, bottom = (int(v) for v in font.getbbox(s, anchor=anchor, stroke_width=stroke))
    extra = 1 if bold and not stroke else 0
    mask = Image.new("L", (right - left + extra + 1, bottom - top + 1), 0)
    d = ImageDraw.Draw(mask)
    d.text((-left, -top), s, font=font, fill=255, anchor=anchor, stroke_width=stroke, stroke_fill=255)
    if extra:  # a stroke smears small type; a one-pixel double strike reads as bold
        d.text((1 - left, -top), s, font=font, fill=255, anchor=anchor)
    return mask, left, top


@lru_cache(maxsize=1024)
def _fit(s: str, size: float, max_w: int, min_size: float, u: float) -> tuple[str, float]:
    """Shrink the type until it fits, then cut with an ellipsis as a last resort."""
    while size > min_size and _font(round(size * u)).getlength(s) > max_w:
        size -= 1
    font = _font(round(size * u))
    if font.getlength(s) <= max_w:
        return s, size
    while s and font.getlength(s + "...") > max_w:
        s = s[:-1]
    return s.rstrip() + "...", size


class _Sheet:
    """Drawing state for one page: scale unit, RNG for the hand, and the writer's habits."""

    def __init__(self, img: Image.Image, u: float, rng: random.Random) -> None:
        self.img = img
        self.draw = ImageDraw.Draw(img)
        self.u = u
        self.rng = rng
        # one writer fills the whole form, so slant and pen weight are per form, not per digit
        self.slant = rng.uniform(0.06, 0.24)
        self.pen = rng.uniform(2.6, 3.3)
        self.ink = tuple(max(0, min(255, c + rng.randint(-12, 12))) for c in INK)

    def px(self, v: float) -> int:
        return round(v * self.u)

    def text(
        self,
        xy: tuple[float, float],
        s: str,
        size: float,
        *,
        fill=PRINT,
        anchor: str = "la",
        bold: bool = False,
    ) -> None:
        mask, left, top = _text_mask(s, self.px(size), anchor, bold)
        self.img.paste(fill, (round(xy[0]) + left, round(xy[1]) + top), mask)

    def fit(self, s: str, size: float, max_w: float, min_size: float) -> tuple[str, float]:
        return _fit(s, size, round(max_w), min_size, self.u)

    def rect(self, box: Sequence[float], *, fill=None, width: float = 1.2) -> None:
        self.draw.rectangle([round(v) for v in box], fill=fill, outline=PRINT, width=max(1, self.px(width)))

    def hline(self, x0: float, x1: float, y: float, *, width: float = 1.2, fill=PRINT) -> None:
        self.draw.line([(x0, y), (x1, y)], fill=fill, width=max(1, self.px(width)))

    def vline(self, x: float, y0: float, y1: float, *, width: float = 1.2) -> None:
        self.draw.line([(x, y0), (x, y1)], fill=PRINT, width=max(1, self.px(width)))

    def ink_layer(self, box: tuple[int, int, int, int], paint) -> None:
        """Run paint(draw, ox, oy, scale) on a supersampled mask and lay it onto the page in pen colour."""
        x0, y0, x1, y1 = box
        mask = Image.new("L", ((x1 - x0) * _SS, (y1 - y0) * _SS), 0)
        paint(ImageDraw.Draw(mask), x0, y0, _SS)
        self.img.paste(self.ink, box, mask.reduce(_SS))

    def digit_boxes(self, x: float, y: float, bw: float, bh: float, value: int, n: int) -> None:
        """Printed digit boxes at (x, y) with the value written by hand, zero-padded as KPPS staff do."""
        n = max(n, len(str(value)))
        for i in range(n):
            self.rect((x + i * bw, y, x + (i + 1) * bw, y + bh), fill=(255, 255, 253), width=1.0)
        digits = str(value).rjust(n, "0")
        rng, pad = self.rng, bw * 0.5
        box = (int(x - pad), int(y - pad), int(x + n * bw + pad) + 1, int(y + bh + pad) + 1)

        def paint(d: ImageDraw.ImageDraw, ox: int, oy: int, s: int) -> None:
            width = max(1, round(self.pen * self.u * s * min(1.0, bh / (32 * self.u))))
            for i, ch in enumerate(digits):
                gh = bh * rng.uniform(0.56, 0.68)
                gw = gh * rng.uniform(0.58, 0.7)
                cx = x + (i + 0.5) * bw + rng.uniform(-0.08, 0.08) * bw
                cy = y + 0.5 * bh + rng.uniform(-0.07, 0.07) * bh
                rot = math.radians(rng.uniform(-6, 6))
                slant = self.slant + rng.uniform(-0.05, 0.05)
                cos, sin = math.cos(rot), math.sin(rot)
                for curved, stroke in _DIGITS[ch]:
                    pts = [(px + rng.uniform(-0.025, 0.025), py + rng.uniform(-0.025, 0.025)) for px, py in stroke]
                    if curved:
                        pts = _chaikin(pts)
                    out = []
                    for px, py in pts:
                        dx = (px - 0.5) * gw + slant * (0.5 - py) * gh
                        dy = (py - 0.5) * gh
                        out.append(((cx + dx * cos - dy * sin - ox) * s, (cy + dx * sin + dy * cos - oy) * s))
                    d.line(out, fill=255, width=width, joint="curve")
                    r = width / 2  # round pen tips
                    for ex, ey in (out[0], out[-1]):
                        d.ellipse((ex - r, ey - r, ex + r, ey + r), fill=255)

        self.ink_layer(box, paint)

    def signature(self, cx: float, cy: float, w: float, h: float) -> None:
        rng = self.rng
        box = (int(cx - w / 2), int(cy - h / 2), int(cx + w / 2) + 1, int(cy + h / 2) + 1)

        def paint(d: ImageDraw.ImageDraw, ox: int, oy: int, s: int) -> None:
            # a tall initial, uneven garlands, then a tail swept back underneath: reads as a signature
            left = cx - w * rng.uniform(0.38, 0.48)
            top, foot = cy - rng.uniform(0.3, 0.5) * h, cy + rng.uniform(0.2, 0.4) * h
            pts = [(left, foot), (left + rng.uniform(0.04, 0.1) * w, top), (left + 0.1 * w, foot)]
            x = left + 0.12 * w
            while x < cx + w * rng.uniform(0.15, 0.35):
                x += rng.uniform(0.04, 0.1) * w
                pts.append((x, cy - rng.uniform(0.0, 0.4) * h))
                if rng.random() < 0.4:  # doubling back makes a loop instead of another hump
                    pts.append((x - rng.uniform(0.04, 0.08) * w, cy - rng.uniform(0.0, 0.2) * h))
                x += rng.uniform(0.03, 0.08) * w
                pts.append((x, cy + rng.uniform(0.05, 0.3) * h))
            pts += [
                (cx + w * 0.45, cy - rng.uniform(0.0, 0.35) * h),
                (left + rng.uniform(0.0, 0.3) * w, cy + 0.45 * h),
            ]
            out = [((px - ox) * s, (py - oy) * s) for px, py in _chaikin(pts, 3)]
            d.line(out, fill=255, width=max(1, round(0.8 * self.pen * self.u * s)), joint="curve")

        self.ink_layer(box, paint)


@lru_cache(maxsize=8)
def _paper(w: int, h: int, variant: int) -> Image.Image:
    # soft uneven lighting reads as paper under a phone camera; smooth, so it costs the JPEG little
    rng = random.Random(variant)
    sw, sh = w // 50 + 2, h // 50 + 2
    small = Image.frombytes("L", (sw, sh), rng.randbytes(sw * sh))
    shade = small.resize((w, h), Image.Resampling.BICUBIC).point(lambda v: v * 8 // 255)
    return ImageChops.subtract(Image.new("RGB", (w, h), PAPER), Image.merge("RGB", (shade, shade, shade)))


@lru_cache(maxsize=8)
def _watermark_mask(w: int, h: int) -> Image.Image:
    u = w / 1000
    big, small = _font(round(150 * u)), _font(round(64 * u))
    tw = round(max(big.getlength("SIMULASI"), small.getlength("SIMULATED")) + 40 * u)
    th = round(274 * u)
    mask = Image.new("L", (tw, th), 0)
    d = ImageDraw.Draw(mask)
    d.text((tw / 2, 20 * u), "SIMULASI", font=big, fill=255, anchor="ma")
    d.text((tw / 2, 195 * u), "SIMULATED", font=small, fill=255, anchor="ma")
    d.rectangle((0, 0, tw - 1, th - 1), outline=255, width=max(1, round(8 * u)))
    mask = mask.rotate(math.degrees(math.atan2(h, w)) * 0.75, resample=Image.Resampling.BICUBIC, expand=True)
    return mask.point(lambda v: v * 95 // 255)  # see-through, so every number underneath stays legible


def _watermark(sheet: _Sheet) -> None:
    img = sheet.img
    w, h = img.size
    mask = _watermark_mask(w, h)
    img.paste(RED, ((w - mask.width) // 2, (h - mask.height) // 2), mask)
    # solid top banner: unmistakable even in a thumbnail
    bh = sheet.px(34)
    sheet.draw.rectangle((0, 0, w, bh), fill=RED)
    sheet.text(
        (w / 2, bh / 2),
        "SIMULASI  |  SIMULATED  |  BUKAN DOKUMEN RESMI KPU",
        19,
        fill=(255, 255, 255),
        anchor="mm",
        bold=True,
    )


def _photo(sheet: _Sheet, x: float, y: float, h: float) -> float:
    """Printed pair-photo frame with two grey silhouettes, as on real ballot rows; returns the right edge."""
    w = h * 1.5
    d = sheet.draw
    sheet.rect((x, y, x + w, y + h), fill=(214, 217, 222), width=1.0)
    for cx in (x + w * 0.28, x + w * 0.72):
        r = h * 0.17
        d.ellipse((cx - r, y + h * 0.22, cx + r, y + h * 0.22 + 2 * r), fill=(150, 154, 162))
        d.chord((cx - h * 0.3, y + h * 0.64, cx + h * 0.3, y + h * 1.3), 180, 360, fill=(150, 154, 162))
    return x + w


# Vertical layout in units of width/1000, shared by the height calculation and the drawing.
_TOP = 52  # red banner plus breathing room
_TITLE = 176  # model code row, title lines and the double rule
_LINE = 26  # one region line in the header
_TPS = 66  # "TPS NOMOR" label plus its digit boxes
_SECTION = 30  # shaded section title bar
_COLHEAD = 26  # column header row
_ROW = 40  # a standard numbered row
_GAP = 12
_FOOT = 180  # signatures and footnote
_CAND_MIN, _CAND_MAX = 30, 110
_BOX_W, _BOX_H = 30, 34


def _layout(form: C1Form, width: int) -> tuple[int, float]:
    """Page height and candidate row height (units): rows shrink to fit portrait, then the page grows."""
    header = max(_LINE * len(form.region_names), _TPS) + 30
    fixed = _TOP + _TITLE + header + 3 * (_SECTION + _COLHEAD) + 10 * _ROW + 2 * _GAP + 20 + _FOOT
    n = len(form.candidates)
    base = 1414  # A-series portrait, in units
    row = min(_CAND_MAX, max(_CAND_MIN, (base - fixed) / n))
    return max(round(width * 1.414), round((fixed + n * row) * width / 1000)), row


class _Page:
    """One form being drawn top to bottom: the sheet, the table's columns and how far down the pen is."""

    def __init__(self, form: C1Form, sheet: _Sheet, width: int, height: int) -> None:
        self.form, self.sheet, self.width, self.height = form, sheet, width, height
        u = sheet.u
        p = sheet.px
        self.x0, self.x1 = p(40), width - p(40)
        self.y: float = p(_TOP)
        shown = (form.dpt, form.dptb, form.dpk, form.voters, form.used, form.unused, form.damaged, form.valid)
        # the printed form has as many boxes as its biggest plausible number; this one is sized to its content
        self.nboxes = max(3, len(str(max(*shown, form.valid + form.invalid))))
        self.cand_boxes = max(3, *(len(str(votes)) for _, _, votes in form.candidates))
        self.bw, self.bh = _BOX_W * u, _BOX_H * u
        self.no_w = p(62)
        self.val_w = max(self.nboxes, self.cand_boxes) * self.bw + p(40)

    def title(self) -> None:
        sheet, p, form = self.sheet, self.sheet.px, self.form
        x0, x1, y, width = self.x0, self.x1, self.y, self.width
        code_w = p(210)
        sheet.rect((x1 - code_w, y, x1, y + p(34)), width=1.6)
        sheet.text((x1 - code_w / 2, y + p(17)), "MODEL C1-PLANO KWK", 16, anchor="mm", bold=True)
        sheet.text((x0, y + p(17)), "KOMISI PEMILIHAN UMUM", 14, anchor="lm", fill=GREY)
        sheet.text((x0, y + p(35)), "TEMPAT PEMUNGUTAN SUARA (TPS)", 11, anchor="lm", fill=GREY)
        sheet.text((width / 2, y + p(56)), "SERTIFIKAT HASIL PENGHITUNGAN SUARA", 27, anchor="mt", bold=True)
        sheet.text((width / 2, y + p(92)), "DI TEMPAT PEMUNGUTAN SUARA", 16, anchor="mt")
        s, size = sheet.fit(form.election.upper(), 18, x1 - x0, 12)
        sheet.text((width / 2, y + p(118)), s, size, anchor="mt", bold=True)
        s, size = sheet.fit(form.contest.upper(), 16, x1 - x0, 11)
        sheet.text((width / 2, y + p(144)), s, size, anchor="mt")
        self.y = y + p(_TITLE)
        sheet.hline(x0, x1, self.y - p(6), width=2.4)
        sheet.hline(x0, x1, self.y - p(2), width=1)

    def where(self) -> None:
        """Region names printed, the TPS number in boxes like the real header."""
        sheet, p, form = self.sheet, self.sheet.px, self.form
        x0 = self.x0
        self.y += p(16)
        top = y = self.y
        col = x0 + p(170)
        tps_x = self.x1 - p(150)
        for i, name in enumerate(form.region_names):
            label = _REGION_LABELS[i] if i < len(_REGION_LABELS) else "WILAYAH"
            sheet.text((x0 + p(6), y), label, 14)
            sheet.text((col - p(14), y), ":", 14)
            s, name_size = sheet.fit(name.upper(), 14, tps_x - col - p(30), 10)
            sheet.text((col, y), s, name_size)
            sheet.hline(col, tps_x - p(30), y + p(19), width=0.8, fill=(150, 150, 155))
            y += p(_LINE)
        sheet.text((tps_x, top), "TPS NOMOR", 14, bold=True)
        sheet.digit_boxes(tps_x, top + p(26), self.bw * 1.15, self.bh * 1.15, form.tps_number, 3)
        self.y = top + p(max(_LINE * len(form.region_names), _TPS) + 14)

    def section(self, title: str, cells: tuple[str, str, str]) -> None:
        sheet, p = self.sheet, self.sheet.px
        x0, x1, y, no_w, val_w = self.x0, self.x1, self.y, self.no_w, self.val_w
        sheet.rect((x0, y, x1, y + p(_SECTION)), fill=SHADE, width=1.6)
        sheet.text((x0 + p(10), y + p(_SECTION / 2)), title, 15, anchor="lm", bold=True)
        y += p(_SECTION)
        h = p(_COLHEAD)
        sheet.rect((x0, y, x1, y + h), fill=(238, 240, 243), width=1.2)
        sheet.vline(x0 + no_w, y, y + h)
        sheet.vline(x1 - val_w, y, y + h)
        for cx, s in zip((x0 + no_w / 2, (x0 + no_w + x1 - val_w) / 2, x1 - val_w / 2), cells, strict=True):
            sheet.text((cx, y + h / 2), s, 12, anchor="mm", bold=True)
        self.y = y + h

    def row(self, no: str, label: str, value: int, h_units: float, *, strong: bool = False, cand: bool = False) -> None:
        sheet, p = self.sheet, self.sheet.px
        x0, x1, y, no_w, val_w = self.x0, self.x1, self.y, self.no_w, self.val_w
        h = h_units * sheet.u
        sheet.rect((x0, y, x1, y + h), width=1.2)
        sheet.vline(x0 + no_w, y, y + h)
        sheet.vline(x1 - val_w, y, y + h)
        size = min(15.0, h_units * 0.42)
        no_size = min(30.0, h_units * 0.5) if cand else size
        sheet.text((x0 + no_w / 2, y + h / 2), no, no_size, anchor="mm", bold=strong or cand)
        lx: float = x0 + no_w + p(10)
        if cand and h_units >= 70:
            lx = _photo(sheet, lx, y + p(8), h - p(16)) + p(14)
        lines = label.split(" - ", 1) if cand and h_units >= 60 else [label]
        size = 17.0 if len(lines) == 2 else size
        for i, line in enumerate(lines):
            # a tall ballot row names the pair on two lines, head of the ticket first
            s, fitted = sheet.fit(line, size, x1 - val_w - lx - p(10), 9)
            ly = y + h / 2 + (i - (len(lines) - 1) / 2) * p(size * 1.5)
            sheet.text((lx, ly), s, fitted, anchor="lm", bold=strong or (cand and i == 0 and len(lines) == 2))
        # candidate votes are what the form is for, so their boxes grow with the row
        bw, bh = self.bw, self.bh
        box_h = min(bh * 1.35, h * 0.78) if cand else min(bh, h - p(10))
        n = self.cand_boxes if cand else self.nboxes
        box_w = min(box_h * bw / bh, (val_w - p(24)) / n)
        sheet.digit_boxes(x1 - val_w / 2 - n * box_w / 2, y + (h - box_h) / 2, box_w, box_h, value, n)
        self.y = y + h

    def counts(self, cand_row: float) -> None:
        """The three blocks of the form: voters, ballots, votes."""
        form, gap = self.form, self.sheet.px(_GAP)
        self.section("I.  DATA PEMILIH DAN PENGGUNAAN HAK PILIH", ("NO.", "URAIAN", "JUMLAH"))
        self.row("1", "Jumlah pemilih dalam Daftar Pemilih Tetap (DPT)", form.dpt, _ROW)
        self.row("2", "Jumlah pemilih pindahan dari TPS lain (DPTb)", form.dptb, _ROW)
        self.row("3", "Jumlah pemilih tambahan yang menggunakan KTP-el / Suket (DPK)", form.dpk, _ROW)
        self.row("4", "Jumlah seluruh pengguna hak pilih (1 + 2 + 3 yang hadir)", form.voters, _ROW, strong=True)
        self.y += gap
        self.section("II.  DATA PENGGUNAAN SURAT SUARA", ("NO.", "URAIAN", "JUMLAH"))
        self.row("1", "Jumlah surat suara yang digunakan", form.used, _ROW)
        self.row("2", "Jumlah surat suara yang tidak digunakan / tidak terpakai", form.unused, _ROW)
        self.row("3", "Jumlah surat suara yang dikembalikan pemilih karena rusak / keliru coblos", form.damaged, _ROW)
        self.y += gap
        self.section("III.  PEROLEHAN SUARA", ("NO. URUT", "NAMA PASANGAN CALON", "SUARA SAH"))
        for number, names, votes in form.candidates:
            self.row(str(number), names, votes, cand_row, cand=True)
        self.row("A", "JUMLAH SUARA SAH", form.valid, _ROW, strong=True)
        self.row("B", "JUMLAH SUARA TIDAK SAH", form.invalid, _ROW, strong=True)
        self.row("C", "JUMLAH SUARA SAH DAN TIDAK SAH (A + B)", form.valid + form.invalid, _ROW, strong=True)

    def signatures(self) -> None:
        """At the foot of the page; any spare height stays above them as blank paper."""
        sheet, p = self.sheet, self.sheet.px
        x0, x1, width, height = self.x0, self.x1, self.width, self.height
        y = height - p(_FOOT)
        note = f"Dibuat di TPS {self.form.tps_number}, disaksikan oleh KPPS, saksi, dan masyarakat."
        sheet.text((x0, y), note, 13, fill=GREY)
        y += p(26)
        cw = (x1 - x0) / 3
        for i, who in enumerate(("KETUA KPPS", "ANGGOTA KPPS", "SAKSI")):
            cx = x0 + cw * (i + 0.5)
            sheet.text((cx, y), who, 13, anchor="mt", bold=True)
            sheet.signature(cx, y + p(60), cw * 0.5, p(52))
            sheet.text((cx, y + p(102)), "( ........................................ )", 12, anchor="mt", fill=GREY)
        fine_print = "Gambar simulasi untuk demo rekap - bukan hasil resmi KPU."
        sheet.text((width / 2, height - p(24)), fine_print, 11, anchor="mm", fill=GREY)
        sheet.rect((p(14), p(44), width - p(14), height - p(8)), width=1.0)


def render_c1(form: C1Form, *, seed: int = 0, width: int = 1000, quality: int = 80) -> bytes:
    """JPEG bytes of the filled-in form; height follows from width (portrait, ~1.4 ratio)."""
    height, cand_row = _layout(form, width)
    # seed plus form content, so two TPS with the same seed still get different handwriting
    digest = hashlib.sha256(repr(form).encode()).hexdigest()
    rng = random.Random(f"{seed}:{digest}")
    sheet = _Sheet(_paper(width, height, rng.randrange(4)).copy(), width / 1000, rng)
    page = _Page(form, sheet, width, height)
    page.title()
    page.where()
    page.counts(cand_row)
    page.signatures()
    _watermark(sheet)
    buf = io.BytesIO()
    sheet.img.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()
