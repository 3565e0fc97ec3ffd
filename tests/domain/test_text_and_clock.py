from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from vaxel.domain.clock import TZ, at_local, local, require_aware
from vaxel.domain.errors import DomainError
from vaxel.domain.text import fold, join_en, join_sv


def test_fold() -> None:
    assert fold("  Tillfällig   PERSONAL ") == "tillfallig personal"
    assert fold("Föräldraledig") == "foraldraledig"
    assert fold("mån–fre") == "man-fre"


def test_join() -> None:
    assert join_sv([]) == ""
    assert join_sv(["a"]) == "a"
    assert join_sv(["a", "b", "c"]) == "a, b och c"
    assert join_en(["a", "b"]) == "a and b"


def test_local_and_at_local() -> None:
    assert local(datetime(2026, 12, 2, 10, 0)).tzinfo is TZ
    gap = at_local(date(2026, 3, 29), time(2, 30))
    assert gap == datetime(2026, 3, 29, 3, 30, tzinfo=TZ)
    assert gap.utcoffset() == timedelta(hours=2)


def test_require_aware() -> None:
    with pytest.raises(DomainError) as err:
        require_aware(datetime(2026, 1, 1), "at")
    assert err.value.field == "at"
