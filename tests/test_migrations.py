"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import horae.models


def test_migrated_schema_matches_the_models(backend):
    with backend.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, horae.models.metadata)
    assert differences == []


def test_migrations_are_at_head(backend):
    from horae.migrate import pending

    assert pending(backend.db.engine) is False
