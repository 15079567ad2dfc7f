"""The Alembic history creates exactly the tables the code declares, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from rekap.store import tables as t
from rekap.store.db import connect, migrate


def test_models_equal_migrations(db_url):
    db = connect(db_url)
    try:
        with db.reader.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
        assert diff == []
    finally:
        db.dispose()


def test_migrate_is_idempotent_and_seeds_the_head(db_url):
    db = connect(db_url)
    try:
        migrate(db)
        with db.reader.connect() as conn:
            assert conn.execute(select(t.log_head.c.seq, t.log_head.c.hash)).all() == [(0, "0" * 64)]
    finally:
        db.dispose()
