"""People: accounts with role grants, bulk onboarding of officers with activation codes, and the checks of who
may give or take which grant. Names and phones go to internal tables; the log gets grant ids, roles, scopes."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rekap.domain.errors import Forbidden, ImportRejected, InvalidInput, NotFound, Unauthorized
from rekap.domain.grants import Grant
from rekap.domain.people import (
    PERSON_ROLES,
    Actor,
    actor_of_grant,
    check_granting,
    grant_for,
    may,
    plan_contest_locked,
    plan_grant_revoked,
    plan_grants_given,
    plan_user_activated,
    plan_user_deactivated,
    reporter_of_grant,
)
from rekap.domain.regions import NATION
from rekap.domain.submission import Reporter
from rekap.log.commands import Command
from rekap.log.writer import LogWriter
from rekap.store import people as stored
from rekap.store.db import Database

Clock = Callable[[], int]  # unix seconds
MIN_PIN = 6
_PHONE = re.compile(r"^0\d{8,13}$")
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed on a phone
CSV_COLUMNS = ("name", "phone", "tps", "role")

#: the operator's own actor for the command line (rekap people …): the machine's administrator
CLI = Actor("cli", (Grant("cli", "cli", "admin", NATION),))


def hasher(memory_kib: int = 65536, time_cost: int = 3) -> PasswordHasher:
    """Argon2id (argon2-cffi's default type) with RFC 9106's low-memory profile unless told otherwise."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def normal_phone(raw: str) -> str:
    digits = re.sub(r"[\s\-().]", "", raw)
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits


def new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def code_digest(code: str) -> str:
    # 50 random bits, single use, expiring and throttled: a fast hash is enough at rest
    return hashlib.sha256(re.sub(r"[^0-9A-Z]", "", code.upper()).encode()).hexdigest()


def actor_name(actor: Actor) -> str:
    """How the log names the person who acted: their id, never their name."""
    user = actor.user or "anonymous"
    return user if user == "cli" or user.startswith("token:") else f"user:{user}"


@dataclass(frozen=True)
class Issued:
    """One person's activation code, shown once (on the printed sheet)."""

    user: str
    name: str
    phone: str | None
    role: str
    scope: str
    code: str
    expires: int


@dataclass(frozen=True)
class _Row:
    line: int
    name: str
    phone: str | None
    tps: str
    role: str
    candidate: int | None


class People:
    def __init__(self, writer: LogWriter, db: Database, clock: Clock, ph: PasswordHasher, code_days: int = 14) -> None:
        self.writer, self.db, self.clock, self.ph = writer, db, clock, ph
        self.code_seconds = code_days * 86400

    # --- creating people ---------------------------------------------------------------------------------

    def create(
        self,
        giver: Actor,
        name: str,
        role: str,
        scope: str,
        *,
        username: str | None = None,
        phone: str | None = None,
        password: str | None = None,
        candidate: int | None = None,
    ) -> tuple[str, str, Issued | None]:
        """A new user with one grant: (user id, grant id, activation code unless a password is given)."""
        if not name.strip():
            raise InvalidInput("a person needs a name", field="name")
        if role not in PERSON_ROLES:
            raise InvalidInput(f"role must be one of {', '.join(PERSON_ROLES)}", field="role")
        phone = normal_phone(phone) if phone else None
        if phone is not None and not _PHONE.match(phone):
            raise InvalidInput(f"not a phone number: {phone}", field="phone")
        if password is not None:
            check_secret(password)
        user, grant = "u" + secrets.token_hex(6), Grant("g" + secrets.token_hex(6), "", role, scope, candidate)
        grant = Grant(grant.id, user, role, scope, candidate)
        check_granting(giver, grant)
        with self.db.reader.connect() as conn:
            if stored.taken(conn, [username] if username else [], [phone] if phone else []):
                raise InvalidInput("that user name or phone number is taken", field="username")
        new = stored.NewUser(user, name.strip(), username, phone)
        writes: list[Any] = [partial(stored.insert_users, users=[new]), stored.insert_grants]
        issued = None
        if password is not None:
            writes.append(lambda conn, _e: stored.set_secret(conn, user, self.ph.hash(password)))
        else:
            code, now = new_code(), self.clock()
            issued = Issued(user, new.name, phone, role, scope, code, now + self.code_seconds)
            writes.append(partial(stored.insert_codes, codes=[(code_digest(code), user)], now=now,
                                  expires=issued.expires))  # fmt: skip
        plan = partial(plan_grants_given, grants=[grant], actor=actor_name(giver))
        self.writer.append(Command(plan, tuple(writes)))
        return user, grant.id, issued

    def give(self, giver: Actor, user: str, role: str, scope: str, candidate: int | None = None) -> str:
        grant = Grant("g" + secrets.token_hex(6), user, role, scope, candidate)
        check_granting(giver, grant)
        with self.db.reader.connect() as conn:
            if stored.user_by_id(conn, user) is None:
                raise NotFound(f"no user {user}", field="user")
        plan = partial(plan_grants_given, grants=[grant], actor=actor_name(giver))
        self.writer.append(Command(plan, (stored.insert_grants,)))
        return grant.id

    def import_officers(self, giver: Actor, text: str) -> list[Issued]:
        """Officers from CSV (name, phone, tps, role[, candidate]): every row is checked before anything is
        written, bad rows are named by line, and the whole file is one log entry and one transaction."""
        rows, errors = self._parse(text)
        grants, users = [], []
        state = self.writer.state  # the plan checks again under the write lock
        for r in rows:
            g = Grant("g" + secrets.token_hex(6), "u" + secrets.token_hex(6), r.role, r.tps, r.candidate)
            try:
                if r.tps not in state.tps:
                    raise InvalidInput(f"no TPS {r.tps}", field="tps")
                check_granting(giver, g)
            except (InvalidInput, Forbidden) as err:
                errors.append((r.line, f"line {r.line}: {err.detail}"))
                continue
            grants.append(g)
            users.append(stored.NewUser(g.user, r.name, None, r.phone))
        phones = [r.phone for r in rows if r.phone]
        with self.db.reader.connect() as conn:
            taken = stored.taken(conn, [], phones)
        errors += [(r.line, f"line {r.line}: phone {r.phone} belongs to someone already") for r in rows
                   if r.phone in taken]  # fmt: skip
        _reject([e for _, e in sorted(errors)])
        if not rows:
            raise ImportRejected("the file has no rows", field="file")
        now = self.clock()
        issued = [
            Issued(u.id, u.name, u.phone, g.role, g.scope, new_code(), now + self.code_seconds)
            for u, g in zip(users, grants, strict=True)
        ]
        codes = [(code_digest(i.code), i.user) for i in issued]
        plan = partial(plan_grants_given, grants=grants, actor=actor_name(giver))
        writes = (
            partial(stored.insert_users, users=users),
            stored.insert_grants,
            partial(stored.insert_codes, codes=codes, now=now, expires=now + self.code_seconds),
        )
        self.writer.append(Command(plan, writes))
        return issued

    def _parse(self, text: str) -> tuple[list[_Row], list[tuple[int, str]]]:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in CSV_COLUMNS if c not in header]
        if missing:
            raise ImportRejected(f"line 1: the header needs the columns {', '.join(missing)}", field="file")
        reader.fieldnames = header
        rows: list[_Row] = []
        errors: list[tuple[int, str]] = []
        phones: set[str] = set()
        for line, rec in enumerate(reader, 2):
            name, tps, role = ((rec.get(k) or "").strip() for k in ("name", "tps", "role"))
            phone = normal_phone(rec.get("phone") or "") or None
            cand_raw = (rec.get("candidate") or "").strip()
            problem = None
            if not name:
                problem = "the name is empty"
            elif phone is not None and not _PHONE.match(phone):
                problem = f"not a phone number: {rec.get('phone')!r}"
            elif phone in phones:
                problem = f"phone {phone} is on an earlier line too"
            elif role not in ("officer", "witness", "volunteer"):
                problem = f"role must be officer, witness or volunteer, not {role!r}"
            elif role == "witness" and not cand_raw.isdigit():
                problem = "a witness needs a candidate number"
            if problem:
                errors.append((line, f"line {line}: {problem}"))
                continue
            if phone:
                phones.add(phone)
            candidate = int(cand_raw) if role == "witness" else None
            rows.append(_Row(line, name, phone, tps, role, candidate))
        return rows, errors

    def reissue(self, giver: Actor, users: Sequence[str]) -> list[Issued]:
        """New activation codes (the old ones stop working): for a lost sheet, or an operator's reset."""
        out = []
        now = self.clock()
        with self.db.reader.connect() as conn:
            for uid in users:
                grants = stored.live_grants(conn, uid)
                row = stored.user_by_id(conn, uid)
                if row is None or not row.active or not grants:
                    raise NotFound(f"no active user {uid}", field="user")
                if not any(may(giver, "people.manage", g.scope) for g in grants):
                    raise Forbidden(f"user {uid} is outside your scope", field="user")
                out.append(Issued(uid, row.name, row.phone, grants[0].role, grants[0].scope, new_code(),
                                  now + self.code_seconds))  # fmt: skip
        codes = [(code_digest(i.code), i.user) for i in out]
        with self.db.writer.begin() as conn:
            stored.replace_codes(conn, codes, now, now + self.code_seconds)
            for i in out:  # a reset: the old PIN and every session end with the new code
                stored.end_sessions(conn, i.user, now)
                stored.set_secret(conn, i.user, None)
        return out

    # --- ending grants -----------------------------------------------------------------------------------

    def revoke(self, giver: Actor, grant_id: str) -> None:
        with self.db.reader.connect() as conn:
            grant = stored.grant_by_id(conn, grant_id)
        if grant is None:
            raise NotFound(f"no live grant {grant_id}", field="grant")
        if not may(giver, "people.manage", grant.scope):
            raise Forbidden(f"grant {grant_id} is outside your scope", field="grant")
        plan = partial(plan_grant_revoked, grant_id=grant_id, actor=actor_name(giver))
        self.writer.append(Command(plan, (stored.mark_grant_revoked,)))

    def deactivate(self, giver: Actor, user: str) -> None:
        with self.db.reader.connect() as conn:
            grants = stored.live_grants(conn, user)
        if grants and not all(may(giver, "people.manage", g.scope) for g in grants):
            raise Forbidden(f"user {user} holds grants outside your scope", field="user")
        if not grants and giver.user != "cli":
            raise NotFound(f"no active user {user}", field="user")
        plan = partial(plan_user_deactivated, user=user, actor=actor_name(giver))
        self.writer.append(Command(plan, (partial(stored.mark_user_deactivated, now=self.clock()),)))

    def lock(self, giver: Actor, contest: str, locked: bool) -> None:
        scope = self.writer.state.contests[contest].scope if contest in self.writer.state.contests else NATION
        if not may(giver, "contest.lock", scope):
            raise Forbidden(f"locking {contest} needs an operator of {scope}", field="contest")
        plan = partial(plan_contest_locked, contest=contest, locked=locked, actor=actor_name(giver))
        self.writer.append(Command(plan))

    def locked(self) -> frozenset[str]:
        return frozenset(self.writer.state.locked)

    # --- secrets -----------------------------------------------------------------------------------------

    def activate(self, code: str, pin: str) -> str:
        """Set the PIN of the user whose code this is; the code is used up. Returns the user id."""
        check_secret(pin)
        digest = code_digest(code)
        with self.db.reader.connect() as conn:
            user = stored.code_owner(conn, digest, self.clock())
        if user is None:
            raise Unauthorized("this activation code is unknown, used, expired or withdrawn", field="code")
        secret_hash = self.ph.hash(pin)
        plan = partial(plan_user_activated, user=user, actor=f"user:{user}")
        write = partial(stored.mark_activated, code_hash=digest, secret_hash=secret_hash, now=self.clock())
        self.writer.append(Command(plan, (write,)))
        return user

    def change_password(self, user: str, old: str, new: str) -> None:
        with self.db.reader.connect() as conn:
            row = stored.user_by_id(conn, user)
        if row is None or not self.verify(row.secret_hash, old):
            raise Unauthorized("the current password is wrong", field="old")
        check_secret(new)
        with self.db.writer.begin() as conn:
            stored.set_secret(conn, user, self.ph.hash(new))

    def verify(self, secret_hash: str | None, secret: str) -> bool:
        if not secret_hash:
            return False
        try:
            return self.ph.verify(secret_hash, secret)
        except (VerificationError, InvalidHashError):
            return False

    # --- reading -----------------------------------------------------------------------------------------

    def in_scope(self, viewer: Actor) -> list[dict[str, Any]]:
        scopes = [g.scope for g in viewer.grants if may(Actor(viewer.user, (g,)), "people.read", g.scope)]
        with self.db.reader.connect() as conn:
            return stored.people_in(conn, scopes)

    def officers_of(self, viewer: Actor, kelurahan: str) -> dict[str, list[dict[str, Any]]]:
        if grant_for(viewer, "calls.read", kelurahan) is None:
            raise Forbidden(f"kelurahan {kelurahan} is outside your scope", field="kelurahan")
        with self.db.reader.connect() as conn:
            return stored.officers_of(conn, kelurahan)


def check_secret(secret: str) -> None:
    if len(secret) < MIN_PIN:
        raise InvalidInput(f"a PIN or password has at least {MIN_PIN} characters", field="password")
    if len(secret) > 200:
        raise InvalidInput("a password has at most 200 characters", field="password")


def _reject(errors: list[str]) -> None:
    if errors:
        shown = errors[:50]
        more = f" (and {len(errors) - 50} more)" if len(errors) > 50 else ""
        raise ImportRejected(f"{len(errors)} bad rows, nothing imported: {shown[0]}{more}", field="file",
                             extra={"errors": shown})  # fmt: skip


@dataclass(frozen=True)
class GrantCaller:
    """A logged-in person submitting through one of their grants: a Reporter like a token is. Their
    Idempotency-Keys are the grant's (a retry from another phone of the same person is still a retry)."""

    grant: Grant

    @property
    def id(self) -> str:
        return self.grant.id

    @property
    def actor(self) -> str:
        return actor_of_grant(self.grant)

    def reporter(self) -> Reporter:
        return reporter_of_grant(self.actor, self.grant)
