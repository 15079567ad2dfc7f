"""SQLAlchemy Core tables: the log, the projections folded from it, and the stores beside it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    false,
    text,
)

from rekap.domain.fold import TOTALS_COUNTS

metadata = MetaData()

# The source of truth: never updated, never deleted.
log = Table(
    "log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    # the province the entry is about (results): derived from the payload, so a rebuild in parts reads its part
    # by this index; not part of the hash
    Column("province", String(2), index=True),
)

# One row; writers lock it so the chain never forks.
log_head = Table(
    "log_head",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# --- projections: rebuilt from the log by `rekap rebuild` ---
regions = Table(
    "regions",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("parent", String(20), nullable=False, index=True),
)

tps = Table(
    "tps",
    metadata,
    Column("code", String(24), primary_key=True),
    Column("kelurahan", String(20), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("dpt", Integer),  # null: the register's figure is not known
    Column("dpt_male", Integer),
    Column("dpt_female", Integer),
    Column("address", Text),
    Column("lat_e6", Integer),
    Column("lon_e6", Integer),
    Column("hours", String(40)),
    Column("access", Text),
)

elections = Table(
    "elections",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("date", String(10), nullable=False),
)

contests = Table(
    "contests",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("election", String(80), nullable=False),
    Column("name", String(200), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("candidates", Text, nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("tps", String(24), nullable=False),
    Column("contest", String(80), nullable=False),
    Column("source_kind", String(20), nullable=False),
    Column("source_candidate", Integer),
    Column("result", Text, nullable=False),
    Column("photos", Text, nullable=False),
    Column("findings", Text, nullable=False),
    Column("corrects", BigInteger),
    Column("reason", Text),
    Column("verified", Boolean, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("rules", SmallInteger, nullable=False, server_default="1"),  # the rules version it was checked with
    Column("unchecked", Text, nullable=False, server_default="[]"),  # ids of rules whose counts were not given
    Column("source_name", String(40)),  # an import's source (`rekap import results --source`)
    Index("ix_submissions_tps_contest", "tps", "contest"),
)

accepted = Table(
    "accepted",
    metadata,
    Column("tps", String(24), primary_key=True),
    Column("contest", String(80), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("source", String(40), nullable=False),
    Column("votes", Text, nullable=False),
    Column("valid", Integer),
    Column("invalid", Integer),
    Column("used", Integer),
    Column("unused", Integer),
    Column("damaged", Integer),
    Column("dpt", Integer),
    Column("dptb", Integer),
    Column("dpk", Integer),
    Column("voters", Integer),
    Column("findings", Text, nullable=False),
    Column("disagreement", Boolean, nullable=False),
    Column("at", String(32), nullable=False),
    Column("held", Boolean, nullable=False, server_default=false()),  # above a bound, not confirmed
)

#: counts stored as 32-bit integers (TPS and flags); every other count of a totals row is 64-bit
_NARROW_COUNTS = frozenset(
    {"tps_reported", "tps_total", "flagged", "disagreements", "held", "valid_unknown", "invalid_unknown",
     "voters_unknown"}
)  # fmt: skip

totals = Table(
    "totals",
    metadata,
    Column("region", String(20), primary_key=True),
    Column("contest", String(80), primary_key=True),
    Column("votes", Text, nullable=False),
    *(Column(name, Integer if name in _NARROW_COUNTS else BigInteger, nullable=False) for name in TOTALS_COUNTS),
    Column("last_seq", BigInteger, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

streams = Table(
    "streams",
    metadata,
    Column("region", String(20), primary_key=True),
    Column("url", Text, nullable=False),
)

# each region's recap (D-form) per contest: its status and the figures last entered (the log has every entry)
recaps = Table(
    "recaps",
    metadata,
    Column("region", String(20), primary_key=True),
    Column("contest", String(80), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("result", Text),
    Column("photos", Text, nullable=False),
    Column("findings", Text, nullable=False),
    Column("source", String(20), nullable=False),
    Column("entered_seq", BigInteger, nullable=False),
    Column("entered_by", String(200), nullable=False),
    Column("entered_at", String(32), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("signed_seq", BigInteger, nullable=False),
    Column("signed_by", String(200), nullable=False),
    Column("signed_at", String(32), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("reopened_by", String(200), nullable=False),
    Column("reopened_at", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),  # its last entry: versions snapshots
)

PROJECTIONS = (regions, tps, elections, contests, submissions, accepted, totals, streams, recaps)

# --- beside the log: blobs and secrets that must not be public ---
photos = Table(
    "photos",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("media_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("uploaded_at", String(32), nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    #: when its public copies were made (they are made off the upload's path); null: not yet
    Column("copied_at", String(32), nullable=True),
    Index(
        "ix_photos_not_copied",
        "sha256",
        sqlite_where=text("copied_at IS NULL"),
        postgresql_where=text("copied_at IS NULL"),
    ),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("candidate", Integer),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Column("last_used_at", String(32)),
    Column("grant_id", String(40), index=True),  # the grant of the user who issued it: it dies with it
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("token_id", String(40), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("body_sha256", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
)

# --- people: internal tables beside the log (the log holds grant ids, roles and scopes; never these) ---
users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("username", String(80), unique=True),
    Column("phone", String(32), unique=True),
    Column("secret_hash", Text),  # Argon2id of the password or PIN; NULL until activated
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("activated_at", String(32)),
    Column("deactivated_at", String(32)),
)

grants = Table(
    "grants",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("user_id", String(40), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("scope", String(24), nullable=False, index=True),
    Column("candidate", Integer),
    Column("given_at", String(32), nullable=False),
    Column("given_by", String(200), nullable=False),
    Column("revoked_at", String(32)),
)

# sessions and codes keep unix seconds: their expiry is arithmetic on an injectable clock
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's secret
    Column("user_id", String(40), nullable=False, index=True),
    Column("created", BigInteger, nullable=False),
    Column("seen", BigInteger, nullable=False),
    Column("ended", BigInteger),
)

# failed logins, activation codes and token checks per key, shared by every worker on the database; the key is a
# SHA-256 (of the throttle's name and an account, address or token prefix), so no login name or address is kept
failed_attempts = Table(
    "failed_attempts",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),  # in the window that ends at `expires`
    Column("expires", BigInteger, nullable=False, index=True),  # unix seconds; after it the row means nothing
    Column("locked_until", BigInteger, nullable=False),
)

activation_codes = Table(
    "activation_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # SHA-256 of the code
    Column("user_id", String(40), nullable=False, index=True),
    Column("created", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("used", BigInteger),
    Column("revoked", BigInteger),
)

# C1 photos sent without numbers, beside their `photos.reported` entries: the queue of a later digitisation desk
photo_reports = Table(
    "photo_reports",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("tps", String(24), nullable=False, index=True),
    Column("contest", String(80), nullable=False),
    Column("photos", Text, nullable=False),  # SHA-256s, space-separated
    Column("source", String(20), nullable=False),  # its label: volunteer, witness:2 …
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("digitised_seq", BigInteger),  # the submission that typed its numbers in, once there is one
)


# --- election information beside the log: personal data that must never be public in full ---
# committee members as published (position, name) with their internal contact data; the log holds a count and hash
committee_members = Table(
    "committee_members",
    metadata,
    Column("body", String(8), primary_key=True),  # ppk, pps, kpps, linmas
    Column("area", String(24), primary_key=True),  # the kecamatan, kelurahan or TPS it serves
    Column("seat", SmallInteger, primary_key=True, autoincrement=False),
    Column("position", String(60), nullable=False),
    Column("name", String(200), nullable=False),
    Column("phone", String(40)),
    Column("contact", Text),
)

# the voter register's versions (DPS, DPT); only the current one's voters are looked up
register_versions = Table(
    "register_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(3), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("imported_at", String(32), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("current", Boolean, nullable=False),
)

# one row per voter of a version: the NIK only as its HMAC under a key held outside the database, and its last 4
register_voters = Table(
    "register_voters",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("nik_hmac", String(64), primary_key=True),
    Column("nik_last4", String(4), nullable=False),
    Column("name", String(200), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_date", String(10), nullable=False),
    Column("tps", String(24), nullable=False),
    Index("ix_register_voters_version_tps", "version", "tps"),
)

# --- officers' health: internal only, deleted after the retention period (`rekap purge health`) ---
health_declarations = Table(
    "health_declarations",
    metadata,
    Column("officer_ref", String(80), primary_key=True),
    Column("tps", String(24), nullable=False),
    Column("age", SmallInteger, nullable=False),
    Column("conditions", Text, nullable=False),  # JSON list
    Column("fitness", SmallInteger, nullable=False),
    Column("risks", Text, nullable=False),  # JSON list of risk codes
    Column("at", BigInteger, nullable=False),  # seconds since the epoch
)

duty_checkins = Table(
    "duty_checkins",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("officer_ref", String(80), nullable=False, index=True),
    Column("tps", String(24), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("at", BigInteger, nullable=False),
)

health_alerts = Table(
    "health_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("officer_ref", String(80), nullable=False, index=True),
    Column("tps", String(24), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("detail", Text, nullable=False),
    Column("lat_e6", Integer),
    Column("lon_e6", Integer),
    Column("state", String(12), nullable=False),
    Column("opened_at", BigInteger, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
    Column("changed_by", String(200)),
)
