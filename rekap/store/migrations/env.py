"""Alembic environment: runs on the engine that rekap hands over (SQLite or PostgreSQL)."""

from alembic import context

from rekap.store.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
