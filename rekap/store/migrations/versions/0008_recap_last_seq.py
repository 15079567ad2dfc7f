"""Each recap's last entry beside it, by which the static snapshots version its file; filled in from the log for
recaps logged before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RECAP_KINDS = ("recap.started", "recap.entered", "recap.signed_off", "recap.reopened")


def upgrade() -> None:
    with op.batch_alter_table("recaps") as batch:
        batch.add_column(sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False))
    conn = op.get_bind()
    log = sa.table("log", sa.column("seq"), sa.column("kind"), sa.column("payload"))
    last: dict[tuple[str, str], int] = {}
    for seq, payload in conn.execute(sa.select(log.c.seq, log.c.payload).where(log.c.kind.in_(RECAP_KINDS))):
        p = json.loads(payload)
        last[(p["region"], p["contest"])] = max(seq, last.get((p["region"], p["contest"]), 0))
    recaps = sa.table("recaps", sa.column("region"), sa.column("contest"), sa.column("last_seq"))
    for (region, contest), seq in last.items():
        conn.execute(recaps.update().where(recaps.c.region == region, recaps.c.contest == contest).values(last_seq=seq))


def downgrade() -> None:
    with op.batch_alter_table("recaps") as batch:
        batch.drop_column("last_seq")
