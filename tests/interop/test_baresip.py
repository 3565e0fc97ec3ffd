"""Two baresip phones register to vaxel; one calls the other, which answers by itself.

The test checks what a person would: the call is set up on both phones, audio (RTP) flows
both ways, both phones see it end, and vaxel wrote a call record for it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from peers import Baresip, running
from switchkit import Switch, wait_for_records

from vaxel.domain.calls import CallOutcome

pytestmark = pytest.mark.interop

RTP_STATS = re.compile(r"packets:\s+(\d+)\s+(\d+)")


def rtp_packets(phone: Baresip) -> tuple[int, int]:
    """(sent, received) RTP packets from baresip's end-of-call statistics (rtp_stats yes)."""
    found = RTP_STATS.findall(phone.log())
    assert found, f"no RTP statistics in the log of {phone.user}:\n{phone.log()[-3000:]}"
    sent, received = found[-1]
    return int(sent), int(received)


def test_two_baresip_phones_call_through_vaxel(
    switch: Switch, baresip_bin: str, tmp_path: Path
) -> None:
    alice_ext, bob_ext = switch.extensions[0], switch.extensions[1]
    alice = Baresip(
        baresip_bin, tmp_path / "alice", alice_ext.username, alice_ext.password, switch.target
    )
    bob = Baresip(baresip_bin, tmp_path / "bob", bob_ext.username, bob_ext.password, switch.target)
    with running(alice, bob):
        alice.start()
        bob.start()
        alice.wait_log("200 OK () [1 binding]", 10)
        bob.wait_log("200 OK () [1 binding]", 10)

        alice.command("dial", f"sip:{bob_ext.number}@{switch.target}")
        alice.wait_event("CALL_ESTABLISHED", 10)
        incoming = bob.wait_event("CALL_ESTABLISHED", 10)
        assert incoming["direction"] == "incoming"

        time.sleep(2.0)  # two seconds of audio each way
        bob.command("hangup")
        bob.wait_event("CALL_CLOSED", 10)
        alice.wait_event("CALL_CLOSED", 10)
        time.sleep(0.5)  # the statistics are printed after the close

        for phone in (alice, bob):
            sent, received = rtp_packets(phone)
            assert sent > 50 and received > 50, (phone.user, sent, received)

    records = wait_for_records(switch.database, 1)
    assert len(records) == 1
    record = records[0]
    assert record.outcome is CallOutcome.ANSWERED
    assert (record.from_number, record.to_number) == (alice_ext.number, bob_ext.number)
    assert record.answered_at is not None and record.ended_at is not None
    assert record.ended_at > record.answered_at
