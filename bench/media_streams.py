"""How many concurrent media streams one event loop can pace: send lateness and loss.

N players send PCMU hold music (20 ms frames) to N receiving sessions on loopback, all in
one process and one event loop, as a server that both sends and receives would. Every
frame's lateness is measured just before `sendto`, against its absolute deadline
(start + n × 20 ms). Loss is frames sent minus frames received.

    python bench/media_streams.py --streams 200 --seconds 20
    python bench/media_streams.py --streams 200 --seconds 20 --mode sleep   # one sleep per stream
    python bench/media_streams.py --streams 200 --seconds 20 --loop asyncio # without uvloop
    python bench/media_streams.py --streams 200 --seconds 20 --realtime     # SCHED_FIFO

Other work on the machine delays the loop however cheap each frame is; the result says how
long the process waited for a CPU (Linux schedstat), and --realtime shows the figures a
media server gets when it is given priority (systemd CPUSchedulingPolicy=fifo).

The run is bounded: at most --seconds of sending (≤ 600) and --streams (≤ 2000), then a
short drain; it stops by itself and only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import sys
import time
from array import array
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from vaxel.media.g711 import FRAME_DURATION, PCMU
from vaxel.media.player import FrameClock, Player
from vaxel.media.rtp import RtpPacket, seq_diff
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.media.sources import Loop, hold_music_source

MAX_STREAMS = 2000
MAX_SECONDS = 600.0


class Receiver:
    """Counts what one receiving session gets and notices reordering."""

    def __init__(self, session: RtpSession) -> None:
        self.received = 0
        self.out_of_order = 0
        self._last: int | None = None
        session.add_audio_listener(self.on_packet)

    def on_packet(self, packet: RtpPacket) -> None:
        self.received += 1
        if self._last is not None and seq_diff(packet.sequence_number, self._last) != 1:
            self.out_of_order += 1
        self._last = packet.sequence_number


async def sleeper(
    session: RtpSession, frames: int, start: float, probe: Callable[[float], None]
) -> int:
    """The alternative to the shared clock: one task per stream, sleeping to each deadline."""
    source = Loop(hold_music_source()).frames(session.codec)
    for n in range(frames):
        deadline = start + n * FRAME_DURATION
        delay = deadline - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        probe(time.monotonic() - deadline)
        session.send_frame(next(source), marker=n == 0)
    return frames


def waited_for_cpu() -> float:
    """Seconds this process has spent runnable but waiting for a CPU (Linux schedstat)."""
    try:
        return int(Path("/proc/self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return float("nan")


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index]


def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "loadavg_1min": round(os.getloadavg()[0], 2),  # other work on the machine skews it
    }


async def run(streams: int, seconds: float, mode: str, slots: int) -> dict[str, object]:
    loop_name = type(asyncio.get_running_loop()).__module__.split(".")[0]
    ports = PortAllocator(PortRange(40000, 50000), host="127.0.0.1")
    receivers_sessions = [
        await RtpSession.open("127.0.0.1", ports=ports, rtcp=False) for _ in range(streams)
    ]
    senders = [await RtpSession.open("127.0.0.1", ports=ports, rtcp=False) for _ in range(streams)]
    receivers = [Receiver(s) for s in receivers_sessions]
    for sender, receiver in zip(senders, receivers_sessions, strict=True):
        sender.set_remote(*receiver.local_address)
    hold_music_source().frame_list(PCMU)  # composed and encoded once, before the clock starts

    lateness = array("d")
    frames = round(seconds / FRAME_DURATION)
    clock = FrameClock(slots=slots, probe=lateness.append)
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    waited_before = waited_for_cpu()
    wall_before = time.monotonic()

    async def one(index: int) -> int:
        # Calls do not all start in the same millisecond: spread the starts over a frame.
        await asyncio.sleep(random.random() * FRAME_DURATION)
        if mode == "clock":
            music = Loop(hold_music_source(), seconds=frames * FRAME_DURATION)
            result = await Player(senders[index], clock).play([music], barge_in=False)
            return result.frames
        return await sleeper(senders[index], frames, time.monotonic(), lateness.append)

    async with asyncio.timeout(seconds + 30):
        sent = sum(await asyncio.gather(*(one(i) for i in range(streams))))
    await asyncio.sleep(0.3)  # let the last datagrams land
    wall = time.monotonic() - wall_before - 0.3
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    waited = waited_for_cpu() - waited_before
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (
        usage_after.ru_stime - usage_before.ru_stime
    )
    received = sum(r.received for r in receivers)
    for session in senders + receivers_sessions:
        session.close()

    values = sorted(lateness)
    ms = 1000.0
    return {
        "streams": streams,
        "seconds": seconds,
        "mode": mode,
        "slots": slots if mode == "clock" else None,
        "loop": loop_name,
        "frames_sent": sent,
        "frames_skipped": streams * frames - sent,  # after stalls over max_catch_up frames
        "frames_received": received,
        "lost": sent - received,
        "out_of_order": sum(r.out_of_order for r in receivers),
        "late_p50_ms": round(percentile(values, 0.5) * ms, 3),
        "late_p99_ms": round(percentile(values, 0.99) * ms, 3),
        "late_p999_ms": round(percentile(values, 0.999) * ms, 3),
        "late_max_ms": round(values[-1] * ms, 3) if values else None,
        "over_5ms": sum(1 for v in values if v > 0.005),
        "over_10ms": sum(1 for v in values if v > 0.010),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "waited_for_cpu_ms": round(waited * 1000, 1),
        "scheduling": "realtime (SCHED_FIFO)"
        if os.sched_getscheduler(0) == os.SCHED_FIFO
        else f"normal, nice {os.nice(0)}",
        **machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--mode", choices=("clock", "sleep"), default="clock")
    parser.add_argument("--slots", type=int, default=10, help="sub-slots of the shared clock")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="run under SCHED_FIFO (needs root), so other work on the machine cannot delay it",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    if not 1 <= args.streams <= MAX_STREAMS:
        parser.error(f"--streams must be in 1..{MAX_STREAMS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}]")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * args.streams + 100
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))

    if args.realtime:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    loop_factory = None
    if args.loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            print("uvloop is not installed: using asyncio's own loop", file=sys.stderr)
        else:
            loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        result = runner.run(run(args.streams, args.seconds, args.mode, args.slots))
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['streams']} streams × {result['seconds']} s, {result['mode']}"
        f"{'/' + str(result['slots']) if result['slots'] else ''} on {result['loop']}: "
        f"lateness p50 {result['late_p50_ms']} ms, p99 {result['late_p99_ms']} ms, "
        f"p99.9 {result['late_p999_ms']} ms, max {result['late_max_ms']} ms; "
        f"lost {result['lost']} of {result['frames_sent']} sent "
        f"({result['frames_skipped']} skipped after stalls), "
        f"out of order {result['out_of_order']}; "
        f"CPU {result['cpu_percent_of_one_core']}% of one core, "
        f"waited {result['waited_for_cpu_ms']} ms for a CPU, scheduling {result['scheduling']} "
        f"({result['nproc']} × {result['cpu']}, Python {result['python']}, "
        f"load average {result['loadavg_1min']} after the run)"
    )


if __name__ == "__main__":
    main()
