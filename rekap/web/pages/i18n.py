"""Languages of the public pages: one catalogue per language, and numbers and times in its format."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

LANGS = ("id", "en")
DEFAULT_LANG = "id"
_CATALOGUES = Path(__file__).parent / "i18n"
_WIB = timezone(timedelta(hours=7))  # KPU announces in Western Indonesia Time


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def load_catalogue(lang: str) -> dict[str, str]:
    with (_CATALOGUES / f"{lang}.toml").open("rb") as f:
        return _flatten(tomllib.load(f))


@dataclass(frozen=True)
class Locale:
    lang: str
    messages: dict[str, str]

    @property
    def thousands(self) -> str:
        return "." if self.lang == "id" else ","

    @property
    def decimal(self) -> str:
        return "," if self.lang == "id" else "."

    def t(self, key: str, **fields: object) -> str:
        """The message for key; a missing key is a bug that tests must catch, so it raises."""
        text = self.messages[key]
        return text.format(**fields) if fields else text

    def href(self, path: str, **params: object) -> str:
        """A link in this language: the language is in the URL, never a cookie, so a CDN may share pages."""
        query = {k: str(v) for k, v in params.items() if v is not None}
        if self.lang != DEFAULT_LANG:
            query["lang"] = self.lang
        return f"{path}?{urlencode(query)}" if query else path

    def num(self, n: int | None) -> str:
        """A count with thousands separators; an unknown count (the source did not give it) is a dash."""
        if n is None:
            return "—"
        return f"{n:,}".replace(",", self.thousands)

    def pct(self, part: int, whole: int) -> str:
        """Percent with 2 decimals, rounded half up, from ints only: no float ever touches a count."""
        hundredths = hundredths_of(part, whole)
        return f"{self.num(hundredths // 100)}{self.decimal}{hundredths % 100:02d}"

    def when(self, iso: str) -> str:
        """An entry's UTC time as a reader in Indonesia says it: day, month, time in WIB."""
        if not iso:
            return "–"
        at = _wib(iso)
        return f"{at.day} {self.messages[f'month.{at.month}']} {at.year}, {self.clock(iso)}"

    def clock(self, iso: str) -> str:
        """Only the time of day in WIB: enough in a table of one election night."""
        if not iso:
            return "–"
        sep = "." if self.lang == "id" else ":"
        return f"{_wib(iso):%H{sep}%M{sep}%S} WIB"


def _wib(iso: str) -> datetime:
    return datetime.fromisoformat(iso[:19]).replace(tzinfo=UTC).astimezone(_WIB)


def hundredths_of(part: int, whole: int) -> int:
    if whole <= 0:
        return 0
    return (part * 10000 * 2 + whole) // (2 * whole)


def css_pct(part: int, whole: int) -> str:
    """A width for CSS ("52.34%"), from the same integer arithmetic as the printed percent."""
    h = hundredths_of(part, whole)
    return f"{h // 100}.{h % 100:02d}%"


_LOCALES = {lang: Locale(lang, load_catalogue(lang)) for lang in LANGS}


def locale(lang: str | None) -> Locale:
    """The locale a URL asks for (?lang=en); anything unknown gets the default, Bahasa Indonesia."""
    return _LOCALES.get(lang or DEFAULT_LANG, _LOCALES[DEFAULT_LANG])
