"""Public photo copies made off the upload's path: when each photo's copies were made (null: not yet), with an
index of the photos still waiting, which a restarted instance makes first.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("copied_at", sa.String(length=32), nullable=True))
    # until now every copy was made at upload (or on its first view): the photos already stored have theirs
    op.execute("UPDATE photos SET copied_at = uploaded_at")
    op.create_index(
        "ix_photos_not_copied", "photos", ["sha256"],
        sqlite_where=sa.text("copied_at IS NULL"), postgresql_where=sa.text("copied_at IS NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_photos_not_copied", table_name="photos")
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("copied_at")
