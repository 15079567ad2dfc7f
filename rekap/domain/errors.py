"""Typed errors of the domain and services; the web layer maps each to problem+json, the CLI to a message."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


@dataclass
class RekapError(Exception):
    """Base: `slug` is the stable problem type, `status` its HTTP status, `field` what was wrong."""

    detail: str
    field: str | None = None
    extra: dict[str, Any] = dataclass_field(default_factory=dict)
    slug = "bad-request"
    status = 400
    title = "Bad request"

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.detail}{where}"

    def __reduce__(self) -> tuple[type[RekapError], tuple[str, str | None, dict[str, Any]]]:
        # a refusal crosses from the log writer's process to the worker that asked, as itself
        return (type(self), (self.detail, self.field, self.extra))


class InvalidInput(RekapError):
    slug, status, title = "invalid-input", 422, "Invalid input"


class NotFound(RekapError):
    slug, status, title = "not-found", 404, "Not found"


class UnknownTps(NotFound):
    slug, title = "unknown-tps", "Unknown TPS"


class UnknownContest(NotFound):
    slug, title = "unknown-contest", "Unknown contest"


class UnknownRegion(NotFound):
    slug, title = "unknown-region", "Unknown region"


class UnknownCandidate(InvalidInput):
    slug, title = "unknown-candidate", "Unknown candidate"


class MissingCandidate(InvalidInput):
    slug, title = "missing-candidate", "Candidate votes missing"


class ArithmeticMismatch(InvalidInput):
    """A result broke one or more arithmetic rules; `extra["findings"]` lists each one."""

    slug, title = "arithmetic-mismatch", "Result breaks arithmetic rules"


class ResultOutOfBounds(InvalidInput):
    """A count above what the TPS can physically have (`bound`): refused from officers (extra: bound, value)."""

    slug, title = "result-out-of-bounds", "Result above what the TPS can have"


class Conflict(RekapError):
    slug, status, title = "conflict", 409, "Conflict"


class AlreadyLogged(Conflict):
    """An imported row the log already holds, from the same source with the same numbers: nothing to add."""

    slug, title = "already-logged", "Already in the log"


class IdempotencyConflict(Conflict):
    slug, title = "idempotency-key-reused", "Idempotency-Key reused with a different body"


class Unauthorized(RekapError):
    slug, status, title = "unauthorized", 401, "Missing or invalid token"


class Forbidden(RekapError):
    slug, status, title = "forbidden", 403, "Not allowed"


class PhotoRejected(RekapError):
    slug, status, title = "photo-rejected", 422, "Photo rejected"


class PhotoHashMismatch(PhotoRejected):
    slug, title = "photo-hash-mismatch", "Photo bytes do not match the SHA-256 in the URL"


class PhotoTooLarge(PhotoRejected):
    slug, status, title = "photo-too-large", 413, "Photo file too large"


class PhotoTooManyPixels(PhotoRejected):
    slug, status, title = "photo-too-many-pixels", 422, "Photo has too many pixels"


class PhotoUnsupportedType(PhotoRejected):
    slug, status, title = "photo-unsupported-type", 415, "Photo type not accepted"


class PhotoNotImage(PhotoRejected):
    slug, status, title = "photo-not-an-image", 422, "Not a readable image"


class PhotoMissing(InvalidInput):
    slug, title = "photo-missing", "Referenced photo was never uploaded"


class ImportRejected(InvalidInput):
    slug, title = "import-rejected", "Import file rejected"


class RecapTransitionRefused(Conflict):
    """The recap is not in a status that allows this step (e.g. entering figures into a signed-off recap:
    it must be reopened first). `extra` names the status and the step."""

    slug, title = "recap-transition-refused", "Not allowed in this status of the recap"


class RecapDifferencesUnexplained(Conflict):
    """The recap differs from the sum of its children or from the real count: it is signed off only with a
    written explanation. `extra["differences"]` lists each count."""

    slug, title = "recap-differences-unexplained", "Differences need a written explanation"


class RecapPhotoRequired(InvalidInput):
    slug, title = "recap-photo-required", "A photo of the signed D-form is needed"


class ChainBroken(RekapError):
    slug, status, title = "chain-broken", 500, "Log chain broken"


class WriterUnavailable(RekapError):
    """The log writer went away before it answered: the submission may or may not be logged. Retrying with the
    same Idempotency-Key is safe (it is logged at most once)."""

    slug, status, title = "writer-unavailable", 503, "Submission not confirmed"


class PhotoRequired(InvalidInput):
    slug, title = "photo-required", "A photo of the C1 is required"


class ContestLocked(RekapError):
    slug, status, title = "contest-locked", 423, "Submissions for this contest are locked"


class TooManyAttempts(RekapError):
    """Too many failed logins or token checks for this account, this token prefix or from this address:
    `extra["retry_after"]` seconds to wait."""

    slug, status, title = "too-many-attempts", 429, "Too many attempts"


class LoginFailed(Unauthorized):
    slug, title = "login-failed", "Wrong user name or password"


class CsrfFailed(Forbidden):
    slug, title = "csrf-failed", "Form token missing or wrong"
class RateLimited(RekapError):
    """Too many requests from this address or for this person in a short time: wait and try again."""

    slug, status, title = "rate-limited", 429, "Too many requests"


ALL_ERRORS: tuple[type[RekapError], ...] = (
    RekapError,
    InvalidInput,
    NotFound,
    UnknownTps,
    UnknownContest,
    UnknownRegion,
    UnknownCandidate,
    MissingCandidate,
    ArithmeticMismatch,
    Conflict,
    IdempotencyConflict,
    Unauthorized,
    Forbidden,
    PhotoRejected,
    PhotoHashMismatch,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoUnsupportedType,
    PhotoNotImage,
    PhotoMissing,
    ImportRejected,
    RecapTransitionRefused,
    RecapDifferencesUnexplained,
    RecapPhotoRequired,
    ChainBroken,
    WriterUnavailable,
    PhotoRequired,
    ContestLocked,
    TooManyAttempts,
    LoginFailed,
    CsrfFailed,
    RateLimited,
)


class BodyTooLarge(RekapError):
    slug, status, title = "body-too-large", 413, "Request body too large"


class Busy(RekapError):
    """The server is answering as many reads as it may at once: try again in a moment (submissions never get this)."""

    slug, status, title = "busy", 503, "Server busy"

class BodyTooSlow(RekapError):
    slug, status, title = "body-too-slow", 408, "Request body too slow"


ALL_ERRORS = (*ALL_ERRORS, BodyTooLarge, Busy, BodyTooSlow)
