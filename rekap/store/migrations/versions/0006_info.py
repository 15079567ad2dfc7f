"""Election information: TPS opening hours and accessibility notes, committees, the voter register and its
versions, officers' health declarations, duty check-ins and alerts (all but the TPS columns internal).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tps") as batch:
        batch.add_column(sa.Column("hours", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("access", sa.Text(), nullable=True))
    op.create_table(
        "committee_members",
        sa.Column("body", sa.String(length=8), nullable=False),
        sa.Column("area", sa.String(length=24), nullable=False),
        sa.Column("seat", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("body", "area", "seat"),
    )
    op.create_table(
        "register_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "register_voters",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("nik_hmac", sa.String(length=64), nullable=False),
        sa.Column("nik_last4", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.String(length=10), nullable=False),
        sa.Column("tps", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("version", "nik_hmac"),
    )
    op.create_index("ix_register_voters_version_tps", "register_voters", ["version", "tps"])
    op.create_table(
        "health_declarations",
        sa.Column("officer_ref", sa.String(length=80), nullable=False),
        sa.Column("tps", sa.String(length=24), nullable=False),
        sa.Column("age", sa.SmallInteger(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("fitness", sa.SmallInteger(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("officer_ref"),
    )
    op.create_table(
        "duty_checkins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("officer_ref", sa.String(length=80), nullable=False),
        sa.Column("tps", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_checkins_officer_ref", "duty_checkins", ["officer_ref"])
    op.create_table(
        "health_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("officer_ref", sa.String(length=80), nullable=False),
        sa.Column("tps", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("lat_e6", sa.Integer(), nullable=True),
        sa.Column("lon_e6", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("opened_at", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_health_alerts_officer_ref", "health_alerts", ["officer_ref"])


def downgrade() -> None:
    op.drop_index("ix_health_alerts_officer_ref", table_name="health_alerts")
    op.drop_table("health_alerts")
    op.drop_index("ix_duty_checkins_officer_ref", table_name="duty_checkins")
    op.drop_table("duty_checkins")
    op.drop_table("health_declarations")
    op.drop_index("ix_register_voters_version_tps", table_name="register_voters")
    op.drop_table("register_voters")
    op.drop_table("register_versions")
    op.drop_table("committee_members")
    with op.batch_alter_table("tps") as batch:
        batch.drop_column("access")
        batch.drop_column("hours")
