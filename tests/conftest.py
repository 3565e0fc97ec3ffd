"""Shared test set-up: peers and services that a test needs, found or skipped (CI: required)."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ALL = os.environ.get("VAXEL_REQUIRE_ALL") == "1"


def need_program(name: str) -> str:
    """Path of an external program, or skip (fail under CI, where the set-up installs it)."""
    path = shutil.which(name)
    if path is None:
        if REQUIRE_ALL:
            pytest.fail(f"{name} is not installed, but CI requires it")
        pytest.skip(f"{name} is not installed")
    return path
