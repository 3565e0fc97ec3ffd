"""The player: paced frames in order with the right numbering, barge-in, stop, the shared clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from vaxel.media.g711 import PCMU, Codec
from vaxel.media.player import FrameClock, Player, PlayResult
from vaxel.media.rtp import RtpPacket, seq_add
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.media.sources import Loop, PcmSource, Silence, hold_music_source

PORTS = PortAllocator(PortRange(31600, 31800), host="127.0.0.1")


def test_hundred_frames_arrive_in_order_with_their_numbering() -> None:
    async def main() -> None:
        server = await RtpSession.open("127.0.0.1", ports=PORTS)
        phone = await RtpSession.open("127.0.0.1", ports=PORTS)
        server.set_remote(*phone.local_address)
        got: list[RtpPacket] = []
        phone.add_audio_listener(got.append)
        lateness: list[float] = []
        # however busy the machine running the test, send every frame (late, if need be)
        clock = FrameClock(probe=lateness.append, max_catch_up=1000)
        pcm = bytes(range(256)) * 125  # 100 frames of 320 bytes
        started = time.monotonic()
        result = await Player(server, clock).play([PcmSource(pcm)])
        elapsed = time.monotonic() - started
        await asyncio.sleep(0.05)
        assert result == PlayResult("completed", None, 100, 0)
        assert len(got) == 100
        first = got[0]
        assert [p.sequence_number for p in got] == [
            seq_add(first.sequence_number, n) for n in range(100)
        ]
        assert [(p.timestamp - first.timestamp) % 2**32 for p in got] == [
            160 * n for n in range(100)
        ]
        assert first.marker and not any(p.marker for p in got[1:])
        assert b"".join(p.payload for p in got) == PCMU.encode(pcm)
        assert len(lateness) == 100
        assert elapsed >= 99 * 0.02 - 0.005  # paced, not sent in a burst
        server.close()
        phone.close()

    asyncio.run(main())


class FakeSink:
    """A session stand-in that records what it is given."""

    def __init__(self) -> None:
        self.codec: Codec = PCMU
        self.closed = False
        self.sent: list[tuple[float, bytes, bool]] = []
        self.skipped = 0
        self.listeners: list[Callable[[str], None]] = []

    def send_frame(self, payload: bytes, *, marker: bool = False, samples: int = 160) -> None:
        self.sent.append((time.monotonic(), payload, marker))

    def skip(self, samples: int) -> None:
        self.skipped += 1

    def add_digit_listener(self, listener: Callable[[str], None]) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def press(self, digit: str) -> None:
        for listener in list(self.listeners):
            listener(digit)


def test_a_digit_interrupts_a_long_prompt() -> None:
    async def main() -> None:
        sink = FakeSink()
        player = Player(sink)
        music = Loop(hold_music_source())  # composed once per process: do it before timing
        asyncio.get_running_loop().call_later(0.1, sink.press, "3")
        result = await player.play([music])
        assert result.outcome == "interrupted" and result.digit == "3"
        assert 1 <= result.frames < 50  # long before the end of the music
        assert sink.listeners == []  # unsubscribed
        assert len(FrameClock.shared()) == 0

    asyncio.run(main())


def test_without_barge_in_digits_are_ignored() -> None:
    async def main() -> None:
        sink = FakeSink()
        asyncio.get_running_loop().call_later(0.03, sink.press, "1")
        result = await Player(sink).play([Silence(0.1)], barge_in=False)
        assert result.outcome == "completed" and result.frames == 5

    asyncio.run(main())


def test_stop_and_a_new_play_and_a_closed_session() -> None:
    async def main() -> None:
        sink = FakeSink()
        player = Player(sink)
        first = asyncio.create_task(player.play([Silence(10)]))
        await asyncio.sleep(0.05)
        assert player.playing
        second = asyncio.create_task(player.play([Silence(10)]))
        assert (await first).outcome == "stopped"
        await asyncio.sleep(0.05)
        sink.closed = True
        assert (await second).outcome == "closed"
        assert not player.playing

    asyncio.run(main())


def test_cancelling_the_waiter_stops_the_playback() -> None:
    async def main() -> None:
        sink = FakeSink()
        clock = FrameClock()
        task = asyncio.create_task(Player(sink, clock).play([Silence(10)]))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        count = len(sink.sent)
        await asyncio.sleep(0.06)
        assert len(sink.sent) == count and len(clock) == 0

    asyncio.run(main())


def test_many_players_share_one_clock_and_never_send_early() -> None:
    async def main() -> None:
        lateness: list[float] = []
        clock = FrameClock(slots=4, probe=lateness.append)
        sinks = [FakeSink() for _ in range(40)]
        tasks = [asyncio.create_task(Player(s, clock).play([Silence(0.2)])) for s in sinks]
        await asyncio.sleep(0)
        assert clock.slot_sizes == [10, 10, 10, 10]  # spread, not bunched at one instant
        results = await asyncio.gather(*tasks)
        # (a frame is skipped, not sent late, only if this busy machine stalls the loop 60 ms)
        assert all(r.outcome == "completed" and r.frames + r.skipped == 10 for r in results)
        assert len(lateness) == sum(r.frames for r in results)
        assert min(lateness) >= 0  # frame n never goes before start + n × 20 ms
        assert len(clock) == 0 and clock.slot_sizes == [0, 0, 0, 0]

    asyncio.run(main())


def test_a_stalled_loop_skips_rather_than_bursts() -> None:
    async def main() -> None:
        sink = FakeSink()
        clock = FrameClock()
        task = asyncio.create_task(Player(sink, clock).play([Silence(0.8)]))
        await asyncio.sleep(0.05)
        time.sleep(0.3)  # the loop is blocked for 15 frame periods, over max_catch_up
        result = await task
        assert result.frames + result.skipped == 40
        assert result.skipped >= 5 and sink.skipped == result.skipped
        times = [t for t, _, _ in sink.sent]
        burst = max(sum(1 for t in times if abs(t - u) < 0.002) for u in times)
        assert burst <= clock.max_catch_up + 1

    asyncio.run(main())


def test_keep_alive_sends_silence_until_a_play_or_its_stop() -> None:
    """While an app waits (digits, a recording) the far end keeps getting frames, so a
    jitter buffer plays out what was said before and no phone hangs up for want of RTP."""

    async def main() -> None:
        sink = FakeSink()
        player = Player(sink)
        stop = player.keep_alive()
        await asyncio.sleep(0.3)
        idle = [payload for _, payload, _ in sink.sent]
        assert len(idle) >= 8 and set(idle) == {PCMU.silence()}
        # A play takes over at once; stopping the keep-alive later leaves the play alone.
        played = asyncio.create_task(player.play([PcmSource(b"\x10\x00" * 160 * 10)]))
        await asyncio.sleep(0.05)
        stop()
        assert (await played).outcome == "completed"
        count = len(sink.sent)
        await asyncio.sleep(0.1)
        assert len(sink.sent) == count  # and after the play, quiet again
        # A keep-alive does not cut into a play in progress; stopping it ends only itself.
        played = asyncio.create_task(player.play([PcmSource(b"\x10\x00" * 160 * 10)]))
        await asyncio.sleep(0.05)
        stop = player.keep_alive()
        stop()
        assert (await played).outcome == "completed"
        stop = player.keep_alive()
        await asyncio.sleep(0.05)
        stop()
        count = len(sink.sent)
        await asyncio.sleep(0.1)
        assert len(sink.sent) == count and not player.playing

    asyncio.run(main())
