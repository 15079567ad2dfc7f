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


def test_the_province_of_results_logged_before_the_column_is_filled_in(db_url):
    from alembic import command
    from sqlalchemy import text

    from rekap.store.db import alembic_config

    db = connect(db_url)
    try:
        command.downgrade(alembic_config(db), "0001")
        payload = '{"contest":"c","findings":[],"reason":"tps \\\\"tps\\\\":\\\\"99","tps":"31.71.01.1001-001"}'
        with db.writer.begin() as conn:
            conn.execute(
                text("INSERT INTO log VALUES (1, :z, :h1, 'result.submitted', :p, 'a', 't'), "
                     "(2, :h1, :h2, 'stream.set', '{}', 'a', 't')"),
                {"z": "0" * 64, "h1": "1" * 64, "h2": "2" * 64, "p": payload},
            )  # fmt: skip
        migrate(db)
        with db.reader.connect() as conn:
            assert conn.execute(text("SELECT seq, province FROM log ORDER BY seq")).all() == [(1, "31"), (2, None)]
    finally:
        db.dispose()
