"""People and what they may do: role grants scoped to a region or a TPS, permissions as data, one pure `may`.

A grant's log entries carry its id, the user's id, the role, the scope and the witnessed candidate: never a name,
a phone number or a PIN hash (those stay in internal tables, rekap/store/people.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rekap.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from rekap.domain.fold import State
from rekap.domain.grants import Grant
from rekap.domain.log import Draft
from rekap.domain.regions import NATION, is_within
from rekap.domain.result import Source
from rekap.domain.submission import Reporter

ROLES = ("admin", "operator", "officer", "witness", "volunteer", "supervisor", "viewer", "health", "importer")
#: roles a person may hold (importer is for machines' tokens only)
PERSON_ROLES = tuple(r for r in ROLES if r != "importer")
#: the source kind each reporting role's submissions count as (docs/policy.md)
SOURCE_OF_ROLE = {
    "admin": "officer",
    "operator": "officer",
    "officer": "officer",
    "witness": "witness",
    "volunteer": "volunteer",
    "importer": "import",
}
VERIFYING_ROLES = frozenset({"admin", "operator"})
#: whose grants an operator may give: never admin, never a role above their own
GRANTABLE_BY = {
    "admin": frozenset(PERSON_ROLES) | {"importer"},
    "operator": frozenset({"operator", "officer", "witness", "volunteer", "supervisor", "viewer", "health"}),
}

#: how a permission's grant must relate to the target: `anywhere` (any grant of the role will do), `in_scope`
#: (the target lies within the grant's scope)
ScopeRule = Literal["anywhere", "in_scope"]


@dataclass(frozen=True, slots=True)
class Permission:
    roles: frozenset[str]
    scope: ScopeRule = "in_scope"
    #: also allowed with no login at all (public reads when the instance is public)
    anonymous: bool = False
    #: allowed with no login even in internal-only mode (the login and activation forms)
    always: bool = False
    #: a report: made under the narrowest grant that covers its target, so that it counts as what the person is
    #: there (the kecamatan's operator who is the KPPS of one of its TPS reports that TPS as its officer); every
    #: other action is done under the widest, so that it acts with all the authority the person has there
    report: bool = False


def _p(
    roles: str, scope: ScopeRule = "in_scope", anonymous: bool = False, always: bool = False, report: bool = False
) -> Permission:
    return Permission(frozenset(roles.split()), scope, anonymous or always, always, report)


_REPORTERS = "admin operator officer witness volunteer importer"
_INTERNAL = "admin operator officer witness volunteer supervisor viewer health"

#: every action rekap checks, and who may do it; a new feature adds its action here in one line
PERMISSIONS: dict[str, Permission] = {
    "public.read": _p(_INTERNAL, "anywhere", anonymous=True),
    "internal.read": _p(_INTERNAL, "anywhere"),
    "result.submit": _p(_REPORTERS, report=True),
    "result.correct": _p("admin operator officer"),
    "photo.upload": _p(_REPORTERS, report=True),
    "field.report": _p("admin operator officer witness volunteer", "anywhere"),
    "people.read": _p("admin operator supervisor"),
    "people.manage": _p("admin operator"),
    "calls.read": _p("admin operator supervisor"),
    "contest.lock": _p("admin operator"),
    "token.create": _p("admin operator"),
    "stream.set": _p("admin", "anywhere"),
    "session.own": _p(_INTERNAL, "anywhere"),
    "session.login": _p("", "anywhere", always=True),
    "result.confirm": _p("admin operator"),  # vouch for a held result so that it counts
    "recap.start": _p("admin operator"),
    "recap.enter": _p("admin operator"),
    "recap.sign_off": _p("admin operator"),
    "recap.reopen": _p("admin operator"),
    "info.manage": _p("admin operator"),  # schedule, committees, TPS directory
    "register.read": _p("admin operator"),  # register statistics and versions
    "committee.contacts": _p("admin operator"),  # committees' phones and contact data
    "health.report": _p("admin officer health"),  # an officer's own declaration and check-ins
    "health.read": _p("health"),  # the coordinator's dashboard: health data, alerts
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: a logged-in user with their live grants, or a token (one grant of its own). `anonymous()` has
    none."""

    user: str | None
    grants: tuple[Grant, ...] = ()

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(None)

    @property
    def logged_in(self) -> bool:
        return self.user is not None


def kelurahan_of_tps(code: str) -> str:
    return code.split("-", 1)[0]


def covers(scope: str, target: str) -> bool:
    """Whether a grant's scope (a region or a TPS code) covers a target (a region or a TPS code)."""
    if scope in (NATION, target):
        return True
    if "-" in scope:  # a TPS grant covers that TPS only
        return False
    return is_within(kelurahan_of_tps(target) if "-" in target else target, scope)


def grant_for(actor: Actor, action: str, target: str | None = None) -> Grant | None:
    """The grant that lets `actor` do `action` to `target` (a region or TPS code; None: no particular place),
    or None. Of several that cover the target, the narrowest for a report, the widest for anything else
    (`Permission.report`); this is the one place that chooses."""
    perm = PERMISSIONS[action]
    fitting = [
        g
        for g in actor.grants
        if g.role in perm.roles and (perm.scope == "anywhere" or target is None or covers(g.scope, target))
    ]
    if not fitting:
        return None
    pick = max if perm.report else min
    return pick(fitting, key=lambda g: (_depth(g.scope), g.id))


def _depth(scope: str) -> int:
    """How deep a scope lies: the nation 0, a province 1 … a kelurahan 4, a TPS 5."""
    return 0 if scope == NATION else scope.count(".") + 1 + ("-" in scope)


def may(actor: Actor, action: str, target: str | None = None, *, public: bool = True) -> bool:
    """The one permission check, for the API, the pages and the CLI. `public` is whether anonymous readers are
    let in at all (REKAP_PUBLIC)."""
    perm = PERMISSIONS[action]
    if perm.anonymous and (public or perm.always):
        return True
    return grant_for(actor, action, target) is not None


def reporter_of_grant(actor: str, grant: Grant) -> Reporter:
    source = Source(SOURCE_OF_ROLE[grant.role], grant.candidate if grant.role == "witness" else None)
    scope = kelurahan_of_tps(grant.scope) if "-" in grant.scope else grant.scope
    tps = grant.scope if "-" in grant.scope else None
    return Reporter(actor, source, scope, verifies=grant.role in VERIFYING_ROLES, tps=tps)


# --- the entries -----------------------------------------------------------------------------------------


def check_grant(state: State, grant: Grant) -> None:
    if grant.role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if grant.scope not in state.regions and grant.scope not in state.tps:
        raise InvalidInput(f"scope {grant.scope} is neither a known region nor a known TPS", field="scope")
    if grant.role == "admin" and grant.scope != NATION:
        raise InvalidInput("an admin grant is national (scope ID)", field="scope")
    if grant.role == "witness" and grant.candidate is None:
        raise InvalidInput("a witness grant needs the candidate number it witnesses for", field="candidate")
    if grant.role != "witness" and grant.candidate is not None:
        raise InvalidInput("only a witness grant names a candidate", field="candidate")
    if grant.id in state.grants:
        raise Conflict(f"grant {grant.id} exists already", field="id")


def check_granting(giver: Actor, grant: Grant) -> None:
    """A giver may only give roles below theirs, within a scope they manage."""
    for g in giver.grants:
        if grant.role in GRANTABLE_BY.get(g.role, ()) and covers(g.scope, grant.scope):
            return
    raise Forbidden(f"you may not grant {grant.role} in {grant.scope}", field="role")


def plan_grants_given(state: State, grants: Sequence[Grant], actor: str) -> Draft:
    seen: set[str] = set()
    for line, g in enumerate(grants, 1):
        try:
            check_grant(state, g)
        except InvalidInput as err:
            raise InvalidInput(f"grant {line}: {err.detail}", field=err.field) from None
        if g.id in seen:
            raise Conflict(f"grant {g.id} twice", field="id")
        seen.add(g.id)
    rows = [g.to_row() for g in grants]
    return Draft("grants.given", {"columns": ["id", "user", "role", "scope", "candidate"], "rows": rows}, actor)


def plan_grant_revoked(state: State, grant_id: str, actor: str) -> Draft:
    if grant_id not in state.grants:
        raise NotFound(f"no live grant {grant_id}", field="grant")
    return Draft("grant.revoked", {"id": grant_id}, actor)


def plan_user_activated(state: State, user: str, actor: str) -> Draft:
    if user in state.deactivated:
        raise Conflict(f"user {user} is deactivated", field="user")
    return Draft("user.activated", {"user": user}, actor)


def plan_user_deactivated(state: State, user: str, actor: str) -> Draft:
    if user in state.deactivated:
        raise Conflict(f"user {user} is deactivated already", field="user")
    return Draft("user.deactivated", {"user": user}, actor)


def plan_contest_locked(state: State, contest: str, locked: bool, actor: str) -> Draft:
    if contest not in state.contests:
        raise NotFound(f"no contest {contest}", field="contest")
    if (contest in state.locked) == locked:
        raise Conflict(f"contest {contest} is {'locked' if locked else 'open'} already", field="contest")
    return Draft("contest.locked", {"contest": contest, "locked": locked}, actor)


def grants_of_rows(rows: Iterable[Sequence[object]]) -> list[Grant]:
    out = []
    for gid, user, role, scope, candidate in rows:
        out.append(Grant(str(gid), str(user), str(role), str(scope), candidate if isinstance(candidate, int) else None))
    return out


GRANT_ACTOR = "grant:"


def actor_of_grant(grant: Grant) -> str:
    """How the log names a person reporting through a grant: the grant's id, never the person."""
    return GRANT_ACTOR + grant.id


def reported_within_grant(state: State, actor: str, tps: str) -> bool:
    """Whether a result logged by `actor` was allowed when it was logged: a grant's actor must name a live
    grant that may submit for that TPS (other actors, tokens and imports, are checked by their own entries)."""
    if not actor.startswith(GRANT_ACTOR):
        return True
    grant = state.grants.get(actor.removeprefix(GRANT_ACTOR))
    return grant is not None and grant.role in PERMISSIONS["result.submit"].roles and covers(grant.scope, tps)
