"""The province of each result entry beside it in the log (an index for rebuilds in parts), and the rules
version each submission was checked with.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log") as batch:
        batch.add_column(sa.Column("province", sa.String(length=2), nullable=True))
        batch.create_index("ix_log_province", ["province"])
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("rules", sa.SmallInteger(), server_default="1", nullable=False))
    # entries already logged: the province is the start of the TPS code in the canonical payload (keys sorted,
    # so "tps" is a top-level key found once); the log's content and hashes are untouched
    find = "strpos" if op.get_bind().dialect.name == "postgresql" else "instr"
    op.execute(
        "UPDATE log SET province = substr(payload, " + find + '(payload, \'"tps":"\') + 7, 2) '
        "WHERE kind = 'result.submitted'"
    )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("rules")
    with op.batch_alter_table("log") as batch:
        batch.drop_index("ix_log_province")
        batch.drop_column("province")
