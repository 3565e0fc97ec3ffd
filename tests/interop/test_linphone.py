"""Two Linphone phones (linphonec, the Debian package linphone-cli: belle-sip, a SIP stack we
did not write) register with SHA-256 digest only, call each other through vaxel, put the call
on hold and take it back (re-INVITEs relayed), and hang up; vaxel writes one call record.

Once over TCP on IPv4, once over TCP on IPv6. The phones play and record WAV files instead
of a sound card, and their media threads run without real-time priority.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from peers import VaxelServer, free_port, stop_process, wait_for
from switchkit import REALM, Switch, provision, wait_for_records

from vaxel.domain.calls import CallOutcome
from vaxel.storage.db import Database

pytestmark = pytest.mark.interop


@pytest.fixture
def linphonec_bin() -> str:
    path = shutil.which("linphonec")
    if path is None:
        if os.environ.get("VAXEL_REQUIRE_ALL") == "1":
            pytest.fail("linphonec is not installed, but CI requires it")
        pytest.skip("linphonec is not installed (Debian package linphone-cli)")
    return path


class Linphone:
    """linphonec with its own home and config, driven over stdin; its output is kept."""

    def __init__(self, binary: str, workdir: Path, sip_port: int, ipv6: bool) -> None:
        self.workdir = workdir
        (workdir / ".local" / "share" / "linphone").mkdir(parents=True)  # its database
        (workdir / "asound.conf").write_text(
            "</usr/share/alsa/alsa.conf>\npcm.!default { type null }\n"
        )
        (workdir / "rc").write_text(
            "[sip]\n"
            f"use_ipv6={int(ipv6)}\n"
            f"sip_port={sip_port}\nsip_tcp_port={sip_port}\nsip_tls_port=0\n"
            "[rtp]\n"
            f"audio_rtp_port={free_port()}\n"
            "[sound]\nechocancellation=0\n"
        )
        env = dict(
            os.environ,
            HOME=str(workdir),
            ALSA_CONFIG_PATH=str(workdir / "asound.conf"),
            MS_TICKER_SCHEDPRIO="0",  # no SCHED_RR media thread on a shared machine
        )
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [binary, "-c", str(workdir / "rc"), "-a", "-d", "6", "-l", str(workdir / "sip.log")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.command("soundcard use files")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.decode(errors="replace"))

    def command(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def wait_output(self, text: str, times: int = 1, timeout: float = 15.0) -> None:
        wait_for(lambda: self.count(text) >= times, timeout, f"{text!r} from linphonec")

    def sip_log(self) -> str:
        path = self.workdir / "sip.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_registered(self, timeout: float = 15.0) -> None:
        wait_for(lambda: "[LinphoneRegistrationOk]" in self.sip_log(), timeout, "registration")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.command("quit")
                self.proc.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                pass
        stop_process(self.proc)


def start_switch_at(tmp_path: Path, host: str) -> Switch:
    """vaxel offering SHA-256 digest only, on `host` (IPv6 in brackets), with two phones."""
    url = f"sqlite:///{tmp_path / 'vaxel.db'}"
    database = Database(url)
    database.upgrade()
    extensions = provision(database, 2)
    server = VaxelServer(
        url,
        host,
        free_port(host.strip("[]")),
        tmp_path / "vaxel.log",
        extra=("--realm", REALM, "--ring-timeout", "8", "--digest", "SHA-256"),
    )
    try:
        server.start()
    except BaseException:
        server.stop()
        database.dispose()
        raise
    return Switch(server, database, extensions, tmp_path)


@pytest.fixture(params=["127.0.0.1", "[::1]"], ids=["ipv4", "ipv6"])
def sha256_switch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Switch]:
    try:
        switch = start_switch_at(tmp_path, request.param)
    except (OSError, RuntimeError, TimeoutError) as error:
        if request.param.startswith("["):
            pytest.skip(f"no IPv6 loopback: {error}")
        raise
    try:
        yield switch
    finally:
        switch.stop()


def test_two_linphones_call_over_tcp_hold_and_resume(
    sha256_switch: Switch, linphonec_bin: str, tmp_path: Path
) -> None:
    switch = sha256_switch
    target = switch.target
    ipv6 = target.startswith("[")
    alice_ext, bob_ext = switch.extensions
    alice = Linphone(linphonec_bin, tmp_path / "alice", free_port(), ipv6)
    bob = Linphone(linphonec_bin, tmp_path / "bob", free_port(), ipv6)
    try:
        for phone, ext in ((alice, alice_ext), (bob, bob_ext)):
            phone.command(
                f"register sip:{ext.username}@{target} sip:{target};transport=tcp {ext.password}"
            )
        alice.wait_registered()
        bob.wait_registered()
        assert "algorithm=SHA-256" in alice.sip_log()  # nothing else was offered

        alice.command(f"call sip:{bob_ext.number}@{target}")
        alice.wait_output("Media streams established")
        bob.wait_output("Media streams established")

        alice.command("pause 1")  # a re-INVITE with a=sendonly, relayed to Bob
        bob.wait_output("has been paused by")
        alice.command("resume 1")  # and one with a=sendrecv
        bob.wait_output("Media streams established", times=2)
        time.sleep(0.5)

        bob.command("terminate")
        alice.wait_output(" ended ")
        assert "transport=tcp" in bob.sip_log()  # the INVITE came over Bob's own connection
    finally:
        alice.stop()
        bob.stop()

    records = wait_for_records(switch.database, 1)
    assert len(records) == 1
    record = records[0]
    assert record.outcome is CallOutcome.ANSWERED
    assert (record.from_number, record.to_number) == (alice_ext.number, bob_ext.number)
    assert record.ended_at is not None and record.answered_at is not None
