"""Who may do what: the roles an API token carries, the source a role reports as, and the entries that
create and revoke tokens (which name ids, roles and scopes, never a person)."""

from __future__ import annotations

from rekap.domain.errors import Forbidden, InvalidInput, NotFound
from rekap.domain.fold import State
from rekap.domain.log import Draft
from rekap.domain.result import Source
from rekap.domain.submission import Reporter

ROLES = ("admin", "operator", "officer", "witness", "volunteer", "importer", "health")
#: the source kind a role's submissions are counted as (docs/policy.md)
SOURCE_OF_ROLE = {
    "admin": "officer",
    "operator": "officer",
    "officer": "officer",
    "witness": "witness",
    "volunteer": "volunteer",
    "importer": "import",
}
VERIFYING_ROLES = frozenset({"admin", "operator"})
def reporter_of(actor: str, role: str, scope: str, candidate: int | None) -> Reporter:
    if role not in SOURCE_OF_ROLE:  # a health coordinator's token reports no results
        raise Forbidden(f"a {role} token does not report results", field="Authorization")
    source = Source(SOURCE_OF_ROLE[role], candidate if role == "witness" else None)
    return Reporter(actor, source, scope, verifies=role in VERIFYING_ROLES)


def check_token_request(role: str, name: str, candidate: int | None) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if role == "witness" and candidate is None:
        raise InvalidInput("a witness token needs the candidate number it witnesses for", field="candidate")
    if not name.strip():
        raise InvalidInput("a token needs a name", field="name")


def plan_token_created(
    state: State, token_id: str, role: str, scope: str, candidate: int | None, actor: str, grant: str | None = None
) -> Draft:
    if grant is not None and grant not in state.grants:
        raise InvalidInput(f"grant {grant} is not live", field="grant")
    if scope not in state.regions:
        raise InvalidInput(f"scope {scope} is not a known region", field="scope")
    if role == "witness" and state.contests and not any(candidate in c.numbers for c in state.contests.values()):
        raise InvalidInput(f"no contest has a candidate {candidate}", field="candidate")
    # the holder's name stays out of the public log: it may be a person's name
    payload: dict[str, object] = {"id": token_id, "role": role, "scope": scope, "candidate": candidate}
    if grant is not None:  # issued by a user: the token dies with this grant
        payload["grant"] = grant
    return Draft("token.created", payload, actor)


def plan_token_revoked(state: State, token_id: str, known: bool, actor: str) -> Draft:
    if not known:
        raise NotFound(f"no token {token_id}", field="id")
    return Draft("token.revoked", {"id": token_id}, actor)
