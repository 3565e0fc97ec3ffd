"""Self-service: voicemail, greeting upload, devices, call history."""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import struct
from pathlib import Path

import pytest
from webtest import Web

from vaxel.media.wav import decode_wav, encode_wav
from vaxel.storage.audit import AuditRepository


def tone(seconds: float, rate: int) -> bytes:
    samples = int(seconds * rate)
    return b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(samples)
    )


def test_voicemail_list_play_mark_heard_delete(web: Web) -> None:
    web.login("anna")
    messages = web.client.get("/api/me/voicemail").json()
    assert len(messages) == 1
    message = messages[0]
    assert message["caller_display"] == "070-888 99 00"
    assert message["heard"] is False and message["duration_text"] == "0:02"
    audio = web.client.get(message["audio_url"])
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF"
    assert web.client.post(f"/api/voicemail/{message['id']}/heard").status_code == 204
    assert web.client.get("/api/me/voicemail").json()[0]["heard"] is True
    assert web.client.delete(f"/api/voicemail/{message['id']}").status_code == 204
    assert web.client.get("/api/me/voicemail").json() == []
    assert not (web.data_dir / "voicemail" / "anna-1.wav").exists()
    with web.db.session() as s:
        actions = {e.action for e in AuditRepository(s).entries(actor="anna")}
    assert {"voicemail.play", "voicemail.heard", "voicemail.delete"} <= actions


def test_greeting_upload_wav_is_converted_to_8_khz(web: Web) -> None:
    web.login("anna")
    greeting = web.client.get("/api/me/greeting").json()
    assert greeting[0]["state"] == "default" and greeting[0]["record_code"] == "*97"
    wav = encode_wav(tone(1.5, 16000), sample_rate=16000)
    response = web.client.post("/api/me/greeting", files={"file": ("hej.wav", wav, "audio/wav")})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "recorded"
    audio = web.client.get(response.json()["audio_url"])
    decoded = decode_wav(audio.content)
    assert decoded.sample_rate == 8000
    assert 1.4 < decoded.duration < 1.6
    reset = web.client.delete(f"/api/me/greeting/{greeting[0]['mailbox_id']}")
    assert reset.json()["state"] == "default"
    assert list((web.data_dir / "greetings").glob("*.wav")) == []


def _write_mp3(path: Path) -> bool:
    name = ctypes.util.find_library("sndfile")
    if name is None:
        return False
    lib = ctypes.CDLL(name)

    class Info(ctypes.Structure):
        _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                    ("channels", ctypes.c_int), ("format", ctypes.c_int),
                    ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]  # fmt: skip

    info = Info(0, 44100, 1, 0x230000 | 0x0082, 0, 0)  # SF_FORMAT_MPEG | MPEG_LAYER_III
    lib.sf_open.restype = ctypes.c_void_p
    handle = lib.sf_open(str(path).encode(), 0x20, ctypes.byref(info))
    if not handle:
        return False
    pcm = tone(2.0, 44100)
    buffer = (ctypes.c_short * (len(pcm) // 2)).from_buffer_copy(pcm)
    lib.sf_write_short.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    lib.sf_write_short(handle, buffer, len(pcm) // 2)
    lib.sf_close.argtypes = [ctypes.c_void_p]
    lib.sf_close(handle)
    return path.stat().st_size > 1000


def test_greeting_upload_mp3(web: Web, tmp_path: Path) -> None:
    mp3 = tmp_path / "hej.mp3"
    if not _write_mp3(mp3):
        pytest.skip("no libsndfile with MP3 to make a test file")
    web.login("anna")
    response = web.client.post(
        "/api/me/greeting", files={"file": ("hej.mp3", mp3.read_bytes(), "audio/mpeg")}
    )
    assert response.status_code == 200, response.text
    decoded = decode_wav(web.client.get(response.json()["audio_url"]).content)
    assert decoded.sample_rate == 8000
    assert 1.8 < decoded.duration < 2.3


def test_greeting_upload_refuses_other_files(web: Web) -> None:
    web.login("anna")
    response = web.client.post(
        "/api/me/greeting", files={"file": ("x.txt", b"hello there", "text/plain")}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "file"
    short = encode_wav(tone(0.3, 8000), sample_rate=8000)
    response = web.client.post("/api/me/greeting", files={"file": ("k.wav", short, "audio/wav")})
    assert response.status_code == 422
    assert "shorter" in response.json()["detail"]


def test_greeting_of_someone_elses_mailbox_is_refused(web: Web) -> None:
    web.login("anna")
    wav = encode_wav(tone(1.5, 8000), sample_rate=8000)
    response = web.client.post(
        "/api/me/greeting",
        files={"file": ("hej.wav", wav, "audio/wav")},
        data={"mailbox_id": str(web.ids.mailboxes["maja"])},
    )
    assert response.status_code == 403


def test_devices_with_registration_state(web: Web) -> None:
    web.login("anna")
    assert [(d["username"], d["registered"]) for d in web.client.get("/api/me/devices").json()] == [
        ("4101", False)
    ]


def test_call_history(web: Web) -> None:
    web.login("anna")
    calls = web.client.get("/api/me/calls").json()
    assert [(c["direction"], c["other_display"], c["outcome_label"]) for c in calls] == [
        ("in", "070-888 99 00", "röstbrevlåda"),
        ("out", "08-555 123 45", "besvarat"),
    ]
    assert calls[1]["duration_text"] == "3:12"
    web.logout()
    web.login("maja")
    assert web.client.get("/api/me/calls").json() == []
