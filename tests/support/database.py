"""Test databases: a migrated SQLite file, and a real PostgreSQL database per test.

PostgreSQL comes from ``INTAKE_TEST_POSTGRES`` (a server URL whose database is only
used to create and drop others) or, failing that, 127.0.0.1:5432. Without a server
the PostgreSQL cases are skipped, unless ``INTAKE_TEST_REQUIRE_POSTGRES`` is set
(as CI does), when they fail.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from intake.db import normalise_url, upgrade

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_server() -> str | None:
    url = os.environ.get("INTAKE_TEST_POSTGRES", DEFAULT_SERVER)
    try:
        engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return url
    except Exception as e:
        if os.environ.get("INTAKE_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL required but not reachable at {url}: {e}")
        return None


def _admin(server: str):  # type: ignore[no-untyped-def]
    return create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dbtemplate") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[tuple[str, str] | None]:
    server = postgres_server()
    if server is None:
        yield None
        return
    name = f"intake_tpl_{uuid.uuid4().hex[:10]}"
    admin = _admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(server.rsplit("/", 1)[0] + f"/{name}")
    yield server, name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_database(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Yield a URL of a freshly migrated database of ``kind``; dropped afterwards."""
    if kind == "sqlite":
        path = tmp_path / "intake.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("_postgres_template")
    if template is None:
        pytest.skip("no PostgreSQL server reachable (set INTAKE_TEST_POSTGRES)")
    server, template_name = template
    name = f"intake_t_{uuid.uuid4().hex[:10]}"
    admin = _admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every test using this runs twice: on SQLite and on PostgreSQL."""
    yield from make_database(request.param, tmp_path, request)


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_database("sqlite", tmp_path, request)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_database("postgresql", tmp_path, request)
