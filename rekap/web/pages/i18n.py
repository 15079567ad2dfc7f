"""Languages of the public pages: one catalogue per language, and numbers and times in its format."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

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

    def num(self, n: int) -> str:
        return f"{n:,}".replace(",", self.thousands)

    def pct(self, part: int, whole: int) -> str:
        """Percent with 2 decimals, rounded half up, from ints only: no float ever touches a count."""
        hundredths = hundredths_of(part, whole)
        return f"{self.num(hundredths // 100)}{self.decimal}{hundredths % 100:02d}"

    def when(self, iso: str) -> str:
        """An entry's UTC time as a reader in Indonesia says it: day, month, time in WIB."""
        if not iso:
            return "–"
        at = datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).astimezone(_WIB)
        month = self.messages[f"month.{at.month}"]
        sep = "." if self.lang == "id" else ":"
        return f"{at.day} {month} {at.year}, {at:%H}{sep}{at:%M}{sep}{at:%S} WIB"



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
