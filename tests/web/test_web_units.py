"""The pieces without a server: Swedish collation, signed sessions, live fan-out, formats."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from seeding import NOW

from vaxel.storage.db import Change, ChangeFeed
from vaxel.web.collation import ascii_fold, normalise, sort_key, words
from vaxel.web.live import QUEUE_LIMIT, LiveEvent, LiveHub
from vaxel.web.security import SESSION_LIFETIME, SessionData, SessionSigner, csrf_matches
from vaxel.web.templating import format_duration, format_phone, format_when


def test_swedish_alphabetical_order() -> None:
    names = ["Öberg", "Zetterberg", "Ågren", "Ängström", "Andersson", "Élise", "Müller", "Myrén"]
    assert sorted(names, key=sort_key) == [
        "Andersson", "Élise", "Müller", "Myrén", "Zetterberg", "Ågren", "Ängström", "Öberg"
    ]  # fmt: skip


def test_folding_for_search() -> None:
    assert normalise("ÅSA Öberg-Müller") == "åsa öberg-muller"
    assert ascii_fold("Åsa Öberg") == "asa oberg"
    assert words("Bygg- och miljö, 4123") == ["bygg", "och", "miljö", "4123"]


def test_signed_sessions() -> None:
    signer = SessionSigner(b"k" * 32)
    data = SessionData.fresh(NOW, "anna")
    cookie = signer.dumps(data)
    assert signer.loads(cookie, NOW) == data
    assert signer.loads(cookie, NOW + SESSION_LIFETIME + timedelta(seconds=1)) is None
    assert signer.loads(cookie.replace(".", "x.", 1), NOW) is None
    assert SessionSigner(b"j" * 32).loads(cookie, NOW) is None
    assert signer.loads("garbage", NOW) is None
    assert csrf_matches(data.csrf, data.csrf)
    assert not csrf_matches(data.csrf, None) and not csrf_matches(data.csrf, "")


def test_live_hub_fans_out_committed_changes() -> None:
    async def run() -> list[str]:
        feed = ChangeFeed()
        hub = LiveHub(feed)
        hub.start(asyncio.get_running_loop())
        with hub.subscribe() as one, hub.subscribe() as two:
            feed.publish([Change("absence", 7), Change("call", 1)])  # calls are not live
            first = await asyncio.wait_for(one.get(), 1)
            second = await asyncio.wait_for(two.get(), 1)
            assert one.empty()
            hub.stop()
            return [first.encode(), second.kind, (await one.get()).kind]

    encoded, kind, bye = asyncio.run(run())
    assert encoded == 'event: absence\ndata: {"kind": "absence", "id": "7", "data": null}\n\n'
    assert (kind, bye) == ("absence", "bye")


def test_a_stream_that_falls_behind_is_told_to_resync() -> None:
    async def run() -> str:
        hub = LiveHub(ChangeFeed())
        with hub.subscribe() as queue:
            for n in range(QUEUE_LIMIT + 5):
                hub.publish(LiveEvent("absence", str(n)))
            assert queue.qsize() < QUEUE_LIMIT
            return (await queue.get()).kind

    assert asyncio.run(run()) == "resync"


def test_formats() -> None:
    assert format_phone("+46101304101") == "010-130 41 01"
    assert format_phone("+46855512345") == "08-555 123 45"
    assert format_phone("+441234567890") == "+44 1234 567890"
    assert format_phone("anonymous") == "anonymous"
    assert format_duration(125) == "2:05"
    assert format_when(NOW + timedelta(hours=3), NOW) == "i dag 13.00"
    assert format_when(NOW + timedelta(days=1), NOW) == "i morgon 10.00"
    assert format_when(NOW + timedelta(days=3), NOW) == "fre 13 mars 10.00"
    assert format_when(NOW + timedelta(days=300), NOW) == "mån 4 jan 2027 10.00"
    assert format_when(NOW + timedelta(days=3), NOW, "en") == "Fri 13 Mar 10:00"
