"""Failed attempts (logins, activation codes, token checks) counted in the database, so that every worker of a
machine throttles the same count.

Revision ID: 0007_people
Revises: 0006
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_attempts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_failed_attempts_expires", "failed_attempts", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_failed_attempts_expires", table_name="failed_attempts")
    op.drop_table("failed_attempts")
