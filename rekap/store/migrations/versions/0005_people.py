"""People: users, their role grants, login sessions and activation codes (internal tables), the grant a token
was issued under, and C1 photos sent without numbers (waiting for digitisation).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("username", sa.String(length=80), unique=True),
        sa.Column("phone", sa.String(length=32), unique=True),
        sa.Column("secret_hash", sa.Text()),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("activated_at", sa.String(length=32)),
        sa.Column("deactivated_at", sa.String(length=32)),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("candidate", sa.Integer()),
        sa.Column("given_at", sa.String(length=32), nullable=False),
        sa.Column("given_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.String(length=32)),
    )
    op.create_index("ix_grants_user_id", "grants", ["user_id"])
    op.create_index("ix_grants_scope", "grants", ["scope"])
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("seen", sa.BigInteger(), nullable=False),
        sa.Column("ended", sa.BigInteger()),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "activation_codes",
        sa.Column("code_hash", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger()),
        sa.Column("revoked", sa.BigInteger()),
    )
    op.create_index("ix_activation_codes_user_id", "activation_codes", ["user_id"])
    op.create_table(
        "photo_reports",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("tps", sa.String(length=24), nullable=False),
        sa.Column("contest", sa.String(length=80), nullable=False),
        sa.Column("photos", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("digitised_seq", sa.BigInteger()),
    )
    op.create_index("ix_photo_reports_tps", "photo_reports", ["tps"])
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("grant_id", sa.String(length=40), nullable=True))
        batch.create_index("ix_tokens_grant_id", ["grant_id"])


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_index("ix_tokens_grant_id")
        batch.drop_column("grant_id")
    for name in ("photo_reports", "activation_codes", "sessions", "grants", "users"):
        op.drop_table(name)
