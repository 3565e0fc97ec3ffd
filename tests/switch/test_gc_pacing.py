"""The SIP server's garbage collection on a clock (switch.server.tune_gc)."""

from __future__ import annotations

import asyncio
import gc
import weakref

from vaxel.switch import server


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_young_cycles_go_at_the_next_tick_and_survivors_are_set_aside() -> None:
    async def scenario() -> None:
        server.tune_gc(tick=0.01)
        try:
            assert not gc.isenabled()
            kept = Node()
            gone = cycle()
            await asyncio.sleep(0.05)
            assert gone() is None
            assert gc.get_freeze_count() > 0 and gc.is_tracked(kept)
            assert kept not in gc.get_objects()  # set aside: no collection scans it
        finally:
            server.untune_gc()

    asyncio.run(scenario())
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_full_collection_frees_old_cycles_once_memory_has_grown_for_good() -> None:
    async def scenario() -> None:
        server.tune_gc(tick=0.01, growth=1.0, slack=0, window=0.1)
        pacer = server._pacer
        assert pacer is not None
        try:
            a, b = Node(), Node()
            a.other, b.other = b, a
            old = weakref.ref(a)
            server.collect_young()  # alive now: set aside with the survivors
            del a, b  # garbage, but only a full collection looks at it
            server.collect_young()
            assert old() is not None
            pacer.kept = 0  # as if memory had grown since the last full collection
            pacer.counts.clear()
            await asyncio.sleep(0.3)
            assert old() is None
            assert pacer.kept > 0
        finally:
            server.untune_gc()

    asyncio.run(scenario())


def test_without_a_loop_collection_stays_automatic() -> None:
    try:
        server.tune_gc()
        assert gc.isenabled() and gc.get_threshold()[0] == 50_000
    finally:
        server.untune_gc()
