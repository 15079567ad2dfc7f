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


def test_the_last_entry_of_recaps_logged_before_the_column_is_filled_in(db_url):
    from alembic import command
    from sqlalchemy import text

    from rekap.store.db import alembic_config

    db = connect(db_url)
    try:
        command.downgrade(alembic_config(db), "0007")
        started = '{"contest":"c","region":"31.71"}'
        with db.writer.begin() as conn:
            conn.execute(
                text("INSERT INTO log (seq, prev_hash, hash, kind, payload, actor, at) VALUES "
                     "(1, :z, :h1, 'recap.started', :p, 'a', 't'), (2, :h1, :h2, 'stream.set', '{}', 'a', 't'), "
                     "(3, :h2, :h3, 'recap.reopened', :p, 'a', 't')"),
                {"z": "0" * 64, "h1": "1" * 64, "h2": "2" * 64, "h3": "3" * 64, "p": started},
            )  # fmt: skip
            conn.execute(
                text("INSERT INTO recaps VALUES ('31.71', 'c', 'reopened', NULL, '[]', '[]', '', 0, '', '', 't', 0, "
                     "'', '', '', 'a', 't', 'x')")
            )  # fmt: skip
        migrate(db)
        with db.reader.connect() as conn:
            assert conn.execute(text("SELECT region, last_seq FROM recaps")).all() == [("31.71", 3)]
    finally:
        db.dispose()
