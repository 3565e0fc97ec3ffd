"""Fixtures for the browser tests: Chromium (skipped where it is not installed, required in
CI), the seeded data built once, and a fresh server per test."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_ENV,
    SWEDISH_PACK,
    Server,
    new_page,
    root_conftest,
    serve,
)
from seeding import Seeded, make_config, open_db, seed


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    conftest = root_conftest()
    conftest.need_program("chromium")
    if not SWEDISH_PACK.exists():
        missing = f"{SWEDISH_PACK} is missing (Debian: chromium-l10n): dates read mm/dd/yyyy"
        if conftest.REQUIRE_ALL:
            pytest.fail(f"{missing}, but CI requires Swedish screenshots")
        warnings.warn(f"{missing}; screenshots are not written", stacklevel=1)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=CHROMIUM_ENV
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    config = make_config(tmp_path_factory.mktemp("browser-seed") / "data")
    db = open_db(config)
    ids = seed(db, config)
    db.dispose()
    return config.data_dir, ids


@pytest.fixture
def server(tmp_path: Path, seeded: tuple[Path, Seeded]) -> Iterator[Server]:
    with serve(tmp_path, seeded) as running:
        yield running


@pytest.fixture
def page(chromium: Any, server: Server) -> Iterator[Any]:
    """A page in its own browser context, closed before the server stops."""
    page = new_page(chromium)
    yield page
    page.context.close()
