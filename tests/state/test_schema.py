"""The migrations build exactly the schema that the models describe, on each backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import suanli.state.data
import suanli.state.governance
import suanli.state.serving
import suanli.state.training  # noqa: F401 - every plane's tables, registered on Base
from suanli.state.db import Database
from suanli.state.models import Base


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == [], "a model changed without a migration (or the reverse): " + repr(differences)
