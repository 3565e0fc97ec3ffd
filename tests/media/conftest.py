"""Media test set-up: the root conftest's `need_program`, found whatever conftest loaded last.

`from conftest import need_program` picks up whichever conftest.py was imported last under
that name (tests/storage has one too), so the root one is looked up among pytest's plugins.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


@pytest.fixture
def espeak(request: pytest.FixtureRequest) -> str:
    """Path of espeak-ng, or the test is skipped (fails under CI)."""
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == ROOT_CONFTEST:
            return str(plugin.need_program("espeak-ng"))
    raise RuntimeError(f"{ROOT_CONFTEST} is not loaded")
