"""Officers' health on duty (internal, never public, never in the log): who is at risk from their declaration,
hours on duty from check-ins, and the alerts a health coordinator opens, acknowledges and resolves.

Times are seconds since the epoch (ints), given by the caller's clock, so a test can pass twelve hours in one step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rekap.domain.errors import Conflict, InvalidInput

#: known conditions that put an officer at risk on a long day (2019: hundreds of KPPS officers died)
RISK_CONDITIONS = frozenset({"hipertensi", "jantung", "diabetes", "paru", "ginjal", "stroke", "asma", "hamil"})
RISK_AGE = 60
LOW_FITNESS = 2  # self-rated fitness 1 (poor) … 5 (very good): this and below is a risk
CHECK_INS = ("start", "break", "resume", "end")
ALERT_KINDS = ("risk", "hours", "symptoms", "help")
ALERT_STATES = ("open", "acknowledged", "resolved")
#: what a coordinator may do to an alert in each state, and the state it leads to
TRANSITIONS = {("open", "acknowledge"): "acknowledged", ("open", "resolve"): "resolved",
               ("acknowledged", "resolve"): "resolved"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Declaration:
    officer_ref: str  # the officer's id (a user id once accounts exist)
    tps: str
    age: int
    conditions: tuple[str, ...]
    fitness: int


@dataclass(frozen=True, slots=True)
class CheckIn:
    kind: str
    at: int


def check_declaration(d: Declaration) -> None:
    if not d.officer_ref.strip():
        raise InvalidInput("an officer reference is needed", field="officer_ref")
    if not 15 <= d.age <= 100:
        raise InvalidInput("age must be between 15 and 100", field="age")
    if not 1 <= d.fitness <= 5:
        raise InvalidInput("fitness must be 1 (poor) to 5 (very good)", field="fitness")


def risks(d: Declaration) -> list[str]:
    """Why an officer is at risk (empty: not at risk), as codes a coordinator's page translates."""
    out = []
    if d.age >= RISK_AGE:
        out.append("age")
    out += [f"condition:{c}" for c in d.conditions if c.lower() in RISK_CONDITIONS]
    if d.fitness <= LOW_FITNESS:
        out.append("fitness")
    return out


#: what may follow each check-in (nothing yet is as after an end: a start)
_FOLLOWS = {"end": ("start",), "start": ("break", "end"), "resume": ("break", "end"), "break": ("resume", "end")}


def allowed_next(events: Sequence[CheckIn]) -> tuple[str, ...]:
    """The check-ins that may come next (start → break ↔ resume → end): the buttons an officer's phone offers."""
    return _FOLLOWS[events[-1].kind if events else "end"]


def next_check_in(events: Sequence[CheckIn], kind: str) -> None:
    """Whether `kind` may follow the officer's check-ins so far."""
    if kind not in CHECK_INS:
        raise InvalidInput(f"a check-in is one of {', '.join(CHECK_INS)}", field="kind")
    if kind not in allowed_next(events):
        raise Conflict(f"a {kind} cannot follow a {events[-1].kind if events else 'end'}", field="kind")


def duty_state(events: Sequence[CheckIn]) -> str:
    """off (not yet, or ended), on (working) or break."""
    if not events or events[-1].kind == "end":
        return "off"
    return "break" if events[-1].kind == "break" else "on"


def on_duty(events: Sequence[CheckIn]) -> bool:
    return duty_state(events) != "off"


def continuous_seconds(events: Sequence[CheckIn], now: int) -> int:
    """Seconds on duty since the last start or resume with no break after it (0 on a break or off duty)."""
    if not events or events[-1].kind not in ("start", "resume"):
        return 0
    return max(0, now - events[-1].at)


def duty_seconds(events: Sequence[CheckIn], now: int) -> int:
    """Seconds worked in all, breaks left out."""
    total, since = 0, None
    for e in events:
        if e.kind in ("start", "resume"):
            since = e.at
        elif since is not None:
            total += e.at - since
            since = None
    return total + (max(0, now - since) if since is not None else 0)


def advance(state: str, action: str) -> str:
    new = TRANSITIONS.get((state, action))
    if new is None:
        raise Conflict(f"an alert that is {state} cannot be {action}d", field="action")
    return new
