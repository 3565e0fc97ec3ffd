"""Interop fixtures: vaxel running on a provisioned database, and the peer programs.

`need_program` is looked up among pytest's plugins (the root conftest), because another
conftest.py may be the one imported last under that module name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from switchkit import Switch, start_switch

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def _need(request: pytest.FixtureRequest, name: str) -> str:
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == ROOT_CONFTEST:
            return str(plugin.need_program(name))
    raise RuntimeError(f"{ROOT_CONFTEST} is not loaded")


@pytest.fixture
def sipp_bin(request: pytest.FixtureRequest) -> str:
    """Path of SIPp, or the test is skipped (fails under CI)."""
    return _need(request, "sipp")


@pytest.fixture
def baresip_bin(request: pytest.FixtureRequest) -> str:
    """Path of baresip, or the test is skipped (fails under CI)."""
    return _need(request, "baresip")


@pytest.fixture
def switch(tmp_path: Path) -> Iterator[Switch]:
    """vaxel on a fresh SQLite database with 52 extensions (2001…2052)."""
    running = start_switch(tmp_path)
    try:
        yield running
    finally:
        running.stop()
