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


def _after_migrating_from(db_url, revision, rows, query):
    """Rows written by an older schema (`rows`: SQL and its parameters), then `query`'s answer once migrated."""
    from alembic import command
    from sqlalchemy import text

    from rekap.store.db import alembic_config

    db = connect(db_url)
    try:
        command.downgrade(alembic_config(db), revision)
        with db.writer.begin() as conn:
            for sql, params in rows:
                conn.execute(text(sql), params)
        migrate(db)
        with db.reader.connect() as conn:
            return conn.execute(text(query)).all()
    finally:
        db.dispose()


HASHES = {"z": "0" * 64, "h1": "1" * 64, "h2": "2" * 64, "h3": "3" * 64}


def test_the_province_of_results_logged_before_the_column_is_filled_in(db_url):
    payload = '{"contest":"c","findings":[],"reason":"tps \\\\"tps\\\\":\\\\"99","tps":"31.71.01.1001-001"}'
    log = ("INSERT INTO log VALUES (1, :z, :h1, 'result.submitted', :p, 'a', 't'), "
           "(2, :h1, :h2, 'stream.set', '{}', 'a', 't')")  # fmt: skip
    rows = _after_migrating_from(db_url, "0001", [(log, HASHES | {"p": payload})],
                                 "SELECT seq, province FROM log ORDER BY seq")  # fmt: skip
    assert rows == [(1, "31"), (2, None)]


def test_the_last_entry_of_recaps_logged_before_the_column_is_filled_in(db_url):
    started = '{"contest":"c","region":"31.71"}'
    log = ("INSERT INTO log (seq, prev_hash, hash, kind, payload, actor, at) VALUES "
           "(1, :z, :h1, 'recap.started', :p, 'a', 't'), (2, :h1, :h2, 'stream.set', '{}', 'a', 't'), "
           "(3, :h2, :h3, 'recap.reopened', :p, 'a', 't')")  # fmt: skip
    recap = ("INSERT INTO recaps VALUES ('31.71', 'c', 'reopened', NULL, '[]', '[]', '', 0, '', '', 't', 0, "
             "'', '', '', 'a', 't', 'x')")  # fmt: skip
    rows = _after_migrating_from(db_url, "0007", [(log, HASHES | {"p": started}), (recap, {})],
                                 "SELECT region, last_seq FROM recaps")  # fmt: skip
    assert rows == [("31.71", 3)]
