"""Alembic environment: runs the migrations against the connection or URL it is given."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import horae.models
from horae.db import make_engine

config = context.config
target_metadata = horae.models.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
