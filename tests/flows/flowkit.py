"""Small types shared by the flows tests (fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Org:
    kommun: int
    it: int
    bygg: int
    anna: int
    bo: int  # Anna's colleague in IT
