"""Results above what their TPS can have are held (a flag on the accepted result, a count in the totals), and
counts a source did not give are unknown: null in the accepted result and the TPS's DPT, rules not checked
recorded per submission, and per total how many TPS did not give each count.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 07:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_UNKNOWABLE = ("valid", "invalid", "used", "unused", "damaged", "dpt", "dptb", "dpk", "voters")
_NEW_COUNTS = ("held", "valid_unknown", "invalid_unknown", "voters_unknown")


def upgrade() -> None:
    with op.batch_alter_table("accepted") as batch:
        for name in _UNKNOWABLE:
            batch.alter_column(name, existing_type=sa.Integer(), nullable=True)
        # "import:<source name>"
        batch.alter_column("source", existing_type=sa.String(length=20), type_=sa.String(length=40))
        batch.add_column(sa.Column("held", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("tps") as batch:
        batch.alter_column("dpt", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("unchecked", sa.Text(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("source_name", sa.String(length=40), nullable=True))
    with op.batch_alter_table("totals") as batch:
        for name in _NEW_COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("totals") as batch:
        for name in reversed(_NEW_COUNTS):
            batch.drop_column(name)
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("source_name")
        batch.drop_column("unchecked")
    with op.batch_alter_table("tps") as batch:
        batch.alter_column("dpt", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("accepted") as batch:
        batch.drop_column("held")
        batch.alter_column("source", existing_type=sa.String(length=40), type_=sa.String(length=20))
        for name in _UNKNOWABLE:
            batch.alter_column(name, existing_type=sa.Integer(), nullable=False)
