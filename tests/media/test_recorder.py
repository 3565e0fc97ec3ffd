"""The recorder: a message appears whole or not at all; crash leftovers are recovered."""

from __future__ import annotations

import asyncio
import math
from array import array
from pathlib import Path

from vaxel.media.g711 import PCMU
from vaxel.media.recorder import PART_SUFFIX, QUARANTINE, Recorder, RecordingResult, recover
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.media.wav import UNKNOWN_SIZE, decode_wav, read_wav, wav_header

PORTS = PortAllocator(PortRange(31900, 32100), host="127.0.0.1")


def speech_like(seconds: float) -> bytes:
    count = int(8000 * seconds)
    return array(
        "h", (round(5000 * math.sin(2 * math.pi * 300 * n / 8000)) for n in range(count))
    ).tobytes()


async def call() -> tuple[RtpSession, RtpSession]:
    server = await RtpSession.open("127.0.0.1", ports=PORTS)
    phone = await RtpSession.open("127.0.0.1", ports=PORTS)
    server.set_remote(*phone.local_address)
    phone.set_remote(*server.local_address)
    return server, phone


async def talk(phone: RtpSession, pcm: bytes, pace: float = 0.0) -> None:
    for start in range(0, len(pcm), 320):
        phone.send_pcm(pcm[start : start + 320])
        await asyncio.sleep(pace)


def test_message_appears_atomically_when_hash_is_pressed(tmp_path: Path) -> None:
    async def main() -> RecordingResult:
        server, phone = await call()
        recorder = Recorder(server, tmp_path / "msg.wav")
        task = asyncio.create_task(recorder.record())
        await asyncio.sleep(0.02)
        await talk(phone, speech_like(0.75), pace=0.002)
        await asyncio.sleep(0.05)
        assert (tmp_path / "msg.wav.part").exists()
        assert not (tmp_path / "msg.wav").exists()  # nothing half-written is listed
        await talk(phone, speech_like(0.75), pace=0.002)
        await phone.send_dtmf("#")
        result = await task
        server.close()
        phone.close()
        return result

    result = asyncio.run(main())
    assert result.reason == "digit" and result.digit == "#"
    assert result.path == tmp_path / "msg.wav"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["msg.wav"]
    audio = decode_wav((tmp_path / "msg.wav").read_bytes())  # strict: the sizes are right
    assert audio.pcm == PCMU.decode(PCMU.encode(speech_like(1.5)))
    assert result.seconds == 1.5


def test_too_short_leaves_nothing(tmp_path: Path) -> None:
    async def main() -> RecordingResult:
        server, phone = await call()
        task = asyncio.create_task(Recorder(server, tmp_path / "m.wav", min_seconds=1).record())
        await asyncio.sleep(0.02)
        await talk(phone, speech_like(0.3))
        await asyncio.sleep(0.05)
        phone.close()
        server.close()  # hang-up
        return await task

    result = asyncio.run(main())
    assert result.path is None and result.reason == "hangup"
    assert list(tmp_path.iterdir()) == []


def test_silence_ends_it_and_is_trimmed(tmp_path: Path) -> None:
    async def main() -> RecordingResult:
        server, phone = await call()
        recorder = Recorder(server, tmp_path / "m.wav", min_seconds=0.5, silence_seconds=1.0)
        task = asyncio.create_task(recorder.record())
        await asyncio.sleep(0.02)
        await talk(phone, speech_like(1.0) + bytes(2 * 8000 * 3))
        result = await asyncio.wait_for(task, 5)
        server.close()
        phone.close()
        return result

    result = asyncio.run(main())
    assert result.reason == "silence"
    assert result.seconds == 1.5  # the speech and half a second after it
    assert read_wav(tmp_path / "m.wav").duration == 1.5


def test_no_packets_at_all_is_silence(tmp_path: Path) -> None:
    async def main() -> RecordingResult:
        server, phone = await call()
        recorder = Recorder(server, tmp_path / "m.wav", silence_seconds=0.3)
        result = await asyncio.wait_for(recorder.record(), 3)
        server.close()
        phone.close()
        return result

    result = asyncio.run(main())
    assert result.reason == "silence" and result.path is None


def test_max_length(tmp_path: Path) -> None:
    async def main() -> RecordingResult:
        server, phone = await call()
        recorder = Recorder(server, tmp_path / "m.wav", min_seconds=0.1, max_seconds=0.5)
        task = asyncio.create_task(recorder.record())
        await asyncio.sleep(0.02)
        await talk(phone, speech_like(1.0), pace=0.001)
        result = await asyncio.wait_for(task, 3)
        server.close()
        phone.close()
        return result

    result = asyncio.run(main())
    assert result.reason == "max-length" and result.seconds == 0.5
    assert read_wav(tmp_path / "m.wav").duration == 0.5


def test_a_crash_mid_recording_is_recovered(tmp_path: Path) -> None:
    live, after_crash = tmp_path / "live", tmp_path / "after"
    after_crash.mkdir()

    async def main() -> None:
        server, phone = await call()
        recorder = Recorder(server, live / "msg.wav")
        task = asyncio.create_task(recorder.record())
        await asyncio.sleep(0.02)
        await talk(phone, speech_like(2.0), pace=0.001)
        await asyncio.sleep(0.05)
        # What the disk holds at this instant is what a crash (kill -9) would leave behind.
        snapshot = (live / "msg.wav.part").read_bytes()
        (after_crash / "msg.wav.part").write_bytes(snapshot)
        recorder.stop()
        await task
        server.close()
        phone.close()

    asyncio.run(main())
    report = recover(after_crash)
    assert report.recovered == [after_crash / "msg.wav"] and report.quarantined == []
    assert list(after_crash.glob(f"*{PART_SUFFIX}")) == []
    audio = decode_wav((after_crash / "msg.wav").read_bytes())
    assert audio.duration >= 1.0
    assert audio.pcm == PCMU.decode(PCMU.encode(speech_like(2.0)))[: len(audio.pcm)]


def test_recover_quarantines_what_is_not_a_message(tmp_path: Path) -> None:
    pcm = speech_like(2.0)
    (tmp_path / "good.wav.part").write_bytes(wav_header(UNKNOWN_SIZE) + pcm + b"\x07")
    (tmp_path / "short.wav.part").write_bytes(wav_header(UNKNOWN_SIZE) + pcm[:1600])
    (tmp_path / "garbage.wav.part").write_bytes(b"\x00" * 10)
    (tmp_path / "taken.wav").write_bytes(b"an existing message")
    (tmp_path / "taken.wav.part").write_bytes(wav_header(UNKNOWN_SIZE) + pcm)
    (tmp_path / QUARANTINE).mkdir()
    (tmp_path / QUARANTINE / "short.wav.part").write_bytes(b"from an earlier crash")

    report = recover(tmp_path, min_seconds=1.0)

    assert report.recovered == [tmp_path / "good.wav"]
    assert read_wav(tmp_path / "good.wav").pcm == pcm
    assert sorted(p.name for p in report.quarantined) == [
        "garbage.wav.part",
        "short.wav-1.part",
        "taken.wav.part",
    ]
    assert sorted(p.name for p in tmp_path.glob("*.wav")) == ["good.wav", "taken.wav"]
    assert (tmp_path / "taken.wav").read_bytes() == b"an existing message"
    assert list(tmp_path.glob(f"*{PART_SUFFIX}")) == []
    assert recover(tmp_path) == type(report)()  # nothing left to do


def test_ulaw_recording(tmp_path: Path) -> None:
    async def main() -> RecordingResult:
        server, phone = await call()
        recorder = Recorder(server, tmp_path / "u.wav", encoding="ulaw")
        task = asyncio.create_task(recorder.record())
        await asyncio.sleep(0.02)
        await talk(phone, speech_like(1.2), pace=0.001)
        await asyncio.sleep(0.05)
        recorder.stop()
        result = await task
        server.close()
        phone.close()
        return result

    result = asyncio.run(main())
    assert result.reason == "stopped" and result.seconds == 1.2
    data = (tmp_path / "u.wav").read_bytes()
    assert decode_wav(data).pcm == PCMU.decode(PCMU.encode(speech_like(1.2)))
