"""The migrations under db/ build exactly the tables intake.store declares."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import intake.store
import intake.web.accounts  # noqa: F401
from intake.db import make_engine


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    """GIVEN a database brought to head WHEN compared with the models THEN nothing differs."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []
