"""Apps tests: a migrated SQLite database with a tiny kommun, speech when espeak-ng exists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from callkit import Kommun

from vaxel.domain.organisation import UnitKind
from vaxel.domain.people import Person
from vaxel.domain.presence import Channel
from vaxel.media.speech import Speech
from vaxel.storage import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.voicemail import VoicemailRepository

ROOT_CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"
CLI = Channel.CLI


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'vaxel.db'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def kommun(db: Database) -> Kommun:
    with db.session() as s:
        d = DirectoryRepository(s)
        kommun = d.add_unit("Testby kommun", UnitKind.KOMMUN, None, actor="t", channel=CLI)
        ks = d.add_unit("Kommunstyrelsen", UnitKind.NAMND, kommun.id, actor="t", channel=CLI)
        it = d.add_unit("IT", UnitKind.AVDELNING, ks.id, actor="t", channel=CLI)
        bygg = d.add_unit("Bygglov", UnitKind.AVDELNING, ks.id, actor="t", channel=CLI)
        anna = d.add_person(
            Person(0, "Anna Lind", "anna.lind@testby.se", it.id), actor="t", channel=CLI
        )
        olle = d.add_person(
            Person(0, "Olle Ek", "olle.ek@testby.se", ks.id, title="Telefonist"),
            actor="t", channel=CLI,
        )  # fmt: skip
        v = VoicemailRepository(s)
        anna_box = v.create_mailbox("4123", anna.id, actor="t", channel=CLI)
        bygg_box = v.create_mailbox("4100", None, actor="t", channel=CLI)
    return Kommun(kommun.id, it.id, bygg.id, anna, olle, anna_box, bygg_box)


def _need_program(request: pytest.FixtureRequest, name: str) -> str:
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == ROOT_CONFTEST:
            return str(plugin.need_program(name))
    raise RuntimeError(f"{ROOT_CONFTEST} is not loaded")


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech-cache")


@pytest.fixture
def speech(request: pytest.FixtureRequest, speech_cache: Path) -> Speech:
    """Swedish speech with a cache shared by the session; skipped without espeak-ng."""
    _need_program(request, "espeak-ng")
    return Speech(speech_cache, words_per_minute=240)  # a little brisk: shorter test calls
