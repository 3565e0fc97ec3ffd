"""Storage tests run on SQLite (a file in a temporary directory) and on PostgreSQL.

PostgreSQL needs VAXEL_TEST_POSTGRES_URL; without it those tests skip, unless
VAXEL_REQUIRE_ALL=1 (CI), where they fail. Each test gets a schema of its own, dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from storage_helpers import CLI, Org

from vaxel.domain.organisation import UnitKind
from vaxel.domain.people import Person
from vaxel.storage import Database
from vaxel.storage.directory import DirectoryRepository

POSTGRES_URL = os.environ.get("VAXEL_TEST_POSTGRES_URL", "")
REQUIRE_ALL = os.environ.get("VAXEL_REQUIRE_ALL") == "1"


def postgres_url_or_skip() -> str:
    if not POSTGRES_URL:
        if REQUIRE_ALL:
            pytest.fail("VAXEL_TEST_POSTGRES_URL is not set, but CI requires PostgreSQL tests")
        pytest.skip("VAXEL_TEST_POSTGRES_URL is not set")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema (dropped after the test)."""
    base = postgres_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vaxel.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def empty_db(database_url: str) -> Iterator[Database]:
    """A database with no schema yet."""
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def db(empty_db: Database) -> Database:
    """A database migrated to head."""
    empty_db.upgrade()
    return empty_db


@pytest.fixture
def org(db: Database) -> Org:
    """A tiny kommun: Kommunstyrelsen / IT with a chef and one employee, and Bygglov."""
    with db.session() as s:
        d = DirectoryRepository(s)
        kommun = d.add_unit("Testby kommun", UnitKind.KOMMUN, None, actor="t", channel=CLI)
        ks = d.add_unit("Kommunstyrelsen", UnitKind.NAMND, kommun.id, actor="t", channel=CLI)
        it = d.add_unit("IT", UnitKind.AVDELNING, ks.id, actor="t", channel=CLI)
        bygg = d.add_unit("Bygglov", UnitKind.AVDELNING, ks.id, actor="t", channel=CLI)
        chef = d.add_person(
            Person(0, "Karin Berg", "karin.berg@testby.se", it.id, title="IT-chef"),
            actor="t", channel=CLI,
        )  # fmt: skip
        anna = d.add_person(
            Person(0, "Anna Lind", "anna.lind@testby.se", it.id, keywords=("e-tjänster",)),
            actor="t", channel=CLI,
        )  # fmt: skip
        d.set_verksamhetschef(it.id, chef.id, actor="t", channel=CLI)
    return Org(kommun.id, ks.id, it.id, bygg.id, chef.id, anna.id)
