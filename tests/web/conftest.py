"""Fixtures: the seeded data directory (built once) and a fresh web app on a copy of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from seeding import Seeded, make_config, open_db, seed
from webtest import Web, make_web


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """The seeded data directory, built once (argon2 hashing is slow on purpose)."""
    config = make_config(tmp_path_factory.mktemp("seed") / "data")
    db = open_db(config)
    ids = seed(db, config)
    db.dispose()
    return config.data_dir, ids


@pytest.fixture
def web(tmp_path: Path, seeded: tuple[Path, Seeded]) -> Iterator[Web]:
    yield from make_web(tmp_path, seeded)
