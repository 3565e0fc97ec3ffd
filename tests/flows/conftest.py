"""Flows tests: a migrated SQLite database with a small kommun."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flowkit import Org

from vaxel.domain.organisation import UnitKind
from vaxel.domain.people import Person
from vaxel.domain.presence import Channel
from vaxel.storage import Database
from vaxel.storage.directory import DirectoryRepository


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'vaxel.db'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def org(db: Database) -> Org:
    cli = Channel.CLI
    with db.session() as s:
        d = DirectoryRepository(s)
        kommun = d.add_unit("Testby kommun", UnitKind.KOMMUN, None, actor="t", channel=cli)
        ks = d.add_unit("Kommunstyrelsen", UnitKind.NAMND, kommun.id, actor="t", channel=cli)
        it = d.add_unit("IT", UnitKind.AVDELNING, ks.id, actor="t", channel=cli)
        bygg = d.add_unit("Bygglov", UnitKind.AVDELNING, ks.id, actor="t", channel=cli)
        anna = d.add_person(Person(0, "Anna Lind", "anna@testby.se", it.id), actor="t", channel=cli)
        bo = d.add_person(Person(0, "Bo Ek", "bo@testby.se", it.id), actor="t", channel=cli)
    return Org(kommun.id, it.id, bygg.id, anna.id, bo.id)
