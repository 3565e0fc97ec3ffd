"""Peers we did not write (SIPp, baresip) and the vaxel server itself, run as child processes.

Every wait is bounded; every process is killed on teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
ROOT = Path(__file__).resolve().parents[2]


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free for both UDP and TCP on `host` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(200):
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            with socket.socket(family, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return int(port)
    raise RuntimeError("no free port pair found")


def _port_pair(host: str = "127.0.0.1") -> int:
    """A port free for UDP and TCP whose next port is free for TCP too (baresip's TLS)."""
    for _ in range(200):
        port = free_port(host)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind((host, port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port pair found")


def wait_for(predicate: object, timeout: float, what: str, step: float = 0.05) -> None:
    """Poll `predicate()` until true; fail with `what` after `timeout` seconds."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.1f} s waiting for {what}")


def stop_process(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds. The process was started by us."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=grace)


# --------------------------------------------------------------------------- vaxel


@dataclass
class VaxelServer:
    """`python -m vaxel.switch.server` on a loopback port, logging to a file."""

    database_url: str
    host: str
    port: int
    log_path: Path
    extra: Sequence[str] = ()
    proc: subprocess.Popen[bytes] | None = None
    _offset: int = 0

    def start(self, timeout: float = 15.0) -> None:
        self._offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vaxel.switch.server",
                "--database",
                self.database_url,
                "--sip",
                f"{self.host}:{self.port}",
                *self.extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
        log.close()
        wait_for(self._ready, timeout, f"vaxel SIP server on {self.host}:{self.port}")

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"vaxel server exited: {self.log()[-2000:]}")
        return "SIP server listening" in self.log()

    def log(self) -> str:
        """What the current (latest started) process has logged."""
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(self._offset)
                return handle.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, grace=5.0)

    def options(self, timeout: float = 2.0) -> bytes:
        """Send one OPTIONS over UDP and return the raw answer (a liveness probe)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.bind((self.host, 0))
            s.settimeout(timeout)
            lport = s.getsockname()[1]
            msg = (
                f"OPTIONS sip:{self.host}:{self.port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bKprobe{time.monotonic_ns()}\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:probe@localhost>;tag=probe\r\n"
                f"To: <sip:{self.host}:{self.port}>\r\n"
                f"Call-ID: probe-{time.monotonic_ns()}\r\n"
                "CSeq: 1 OPTIONS\r\n"
                "Content-Length: 0\r\n\r\n"
            )
            s.sendto(msg.encode(), (self.host, self.port))
            return s.recvfrom(65535)[0]


# --------------------------------------------------------------------------- SIPp


@dataclass
class SippRun:
    """One SIPp run: the process, its working directory, and its statistics when done."""

    proc: subprocess.Popen[bytes]
    workdir: Path
    name: str

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(self.proc)
            raise TimeoutError(f"sipp {self.name} did not finish in {timeout} s") from None

    def output(self) -> str:
        out = self.workdir / f"{self.name}.out"
        text = out.read_text(errors="replace") if out.exists() else ""
        for err in self.workdir.glob("*_errors.log"):
            text += "\n--- " + err.name + "\n" + err.read_text(errors="replace")[-3000:]
        return text

    def stop(self) -> None:
        stop_process(self.proc)


def sipp(
    sipp_path: str,
    scenario: str,
    target: str,
    workdir: Path,
    name: str,
    local_port: int,
    args: Sequence[str] = (),
) -> SippRun:
    """Start SIPp on 127.0.0.1:`local_port` against `target` with one of our scenarios."""
    cmd = [
        sipp_path,
        target,
        "-sf",
        str(SCENARIOS / scenario),
        "-i",
        "127.0.0.1",
        "-p",
        str(local_port),
        "-bg" if False else "-nostdin",
        "-trace_err",
        "-timeout_error",
        *args,
    ]
    out = (workdir / f"{name}.out").open("wb")
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    return SippRun(proc=proc, workdir=workdir, name=name)


# --------------------------------------------------------------------------- baresip


@dataclass
class Baresip:
    """A baresip user agent with its own config dir, driven over ctrl_tcp (JSON netstrings)."""

    binary: str
    workdir: Path
    user: str
    password: str
    registrar: str  # host:port of vaxel
    sip_port: int = 0
    ctrl_port: int = 0
    # What the phone sends: baresip's audio_source, and the rate and channels it runs at
    # (`aufile,<wav>` plays a WAV file, which must have exactly that rate and channels).
    audio_source: str = "ausine,440"
    source_rate: int = 48000
    source_channels: int = 2
    # Keep what the phone hears: sndfile.so writes each call's decoded audio (8 kHz for
    # G.711) to rec/dump-<time>-dec.wav. (baresip 1.0 has no aufile player: it ignores
    # `audio_player aufile,…`, so heard.wav is never written.)
    record: bool = False
    proc: subprocess.Popen[bytes] | None = None
    events: list[dict[str, object]] = field(default_factory=list)
    _sock: socket.socket | None = None
    _buf: bytes = b""

    def start(self, timeout: float = 10.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.sip_port:
            self.sip_port = _port_pair()  # baresip also listens on TCP sip_port + 1 (TLS)
        while self.ctrl_port in (0, self.sip_port, self.sip_port + 1):
            self.ctrl_port = free_port()
        recording = f"module sndfile.so\nsnd_path {self.recordings_dir}\n" if self.record else ""
        if self.record:
            self.recordings_dir.mkdir(exist_ok=True)
        config = f"""\
poll_method epoll
sip_listen 127.0.0.1:{self.sip_port}
net_interface 127.0.0.1
call_local_timeout 60
call_max_calls 2
audio_player aufile,{self.workdir / "heard.wav"}
audio_alert aufile,{self.workdir / "alert.wav"}
audio_source {self.audio_source}
ausrc_srate {self.source_rate}
ausrc_channels {self.source_channels}
rtp_stats yes
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aufile.so
{recording}module_tmp account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}
"""
        (self.workdir / "config").write_text(config)
        (self.workdir / "accounts").write_text(
            f"<sip:{self.user}@{self.registrar};transport=udp>;auth_pass={self.password};"
            "answermode=auto;regint=300;audio_codecs=pcmu,pcma;mwi=no\n"
        )
        (self.workdir / "contacts").write_text("")
        log = (self.workdir / "baresip.log").open("wb")
        self.proc = subprocess.Popen(
            [self.binary, "-f", str(self.workdir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.workdir,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"baresip exited: {self.log()[-2000:]}")
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=0.5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("baresip ctrl_tcp did not come up") from None
                time.sleep(0.1)

    def log(self) -> str:
        path = self.workdir / "baresip.log"
        return (
            path.read_bytes().replace(b"\0", b"").decode(errors="replace") if path.exists() else ""
        )

    def wait_log(self, pattern: str, timeout: float = 10.0) -> None:
        """Wait until the log holds `pattern` (events sent before we connected are lost)."""
        wait_for(lambda: pattern in self.log(), timeout, f"{pattern!r} in {self.user}'s log")

    def command(self, command: str, params: str | None = None) -> None:
        assert self._sock is not None
        body: dict[str, str] = {"command": command, "token": command}
        if params is not None:
            body["params"] = params
        data = json.dumps(body).encode()
        self._sock.sendall(str(len(data)).encode() + b":" + data + b",")

    def _pump(self, timeout: float) -> None:
        assert self._sock is not None
        self._sock.settimeout(timeout)
        try:
            chunk = self._sock.recv(65536)
        except TimeoutError:
            return
        if not chunk:
            raise ConnectionError("baresip closed its control connection")
        self._buf += chunk
        while True:
            colon = self._buf.find(b":")
            if colon < 0:
                return
            size = int(self._buf[:colon])
            if len(self._buf) < colon + 1 + size + 1:
                return
            payload = self._buf[colon + 1 : colon + 1 + size]
            self._buf = self._buf[colon + 2 + size :]
            message = json.loads(payload)
            if message.get("event"):
                self.events.append(message)

    def wait_event(self, kind: str, timeout: float = 10.0, since: int = 0) -> dict[str, object]:
        """The first event of type `kind` (seen earlier or arriving within `timeout`), from
        `self.events[since]` on (`since=phone.mark()` before a call: that call's)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events[since:]:
                if event.get("type") == kind:
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [e.get("type") for e in self.events]
                raise TimeoutError(f"baresip {self.user}: no {kind} in {timeout} s; saw {seen}")
            self._pump(min(left, 0.2))

    def mark(self, quiet: float = 0.05) -> int:
        """Take in the events sent so far (until none comes for `quiet` s): the index from which
        the next call's events will be, for `wait_event(…, since=)`."""
        for _ in range(100):
            seen = len(self.events)
            self._pump(quiet)
            if len(self.events) == seen:
                break
        return len(self.events)

    def send_digits(self, digits: str, pause: float = 0.25) -> None:
        """Press keys in the current call: baresip sends them as RFC 4733 telephone-events."""
        for digit in digits:
            self.command("sndcode", digit)
            time.sleep(pause)

    @property
    def recordings_dir(self) -> Path:
        return self.workdir / "rec"

    def recordings(self) -> list[Path]:
        """The received-audio files sndfile has written (`record=True`), oldest first."""
        return sorted(self.recordings_dir.glob("dump-*-dec.wav"))

    def stop(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self.command("quit")
            self._sock.close()
            self._sock = None
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=2)
            stop_process(self.proc)


@contextlib.contextmanager
def running(*things: VaxelServer | Baresip | SippRun) -> Iterator[None]:
    """Stop every started peer on the way out, whatever happened."""
    try:
        yield
    finally:
        for thing in reversed(things):
            with contextlib.suppress(Exception):
                thing.stop()
