"""Constants and small types shared by the storage tests (fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vaxel.domain.clock import TZ
from vaxel.domain.presence import Channel

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday
CLI = Channel.CLI


@dataclass(frozen=True)
class Org:
    kommun: int
    ks: int
    it: int
    bygg: int
    chef: int  # verksamhetschef of IT
    anna: int  # works in IT
