"""vaxel against SIPp: registration with digest auth, calls through the B2BUA, CANCEL, BYE."""

from __future__ import annotations

import pytest
from peers import SippRun, free_port, sipp
from switchkit import REALM, Extension, Switch, wait_for_records

from vaxel.domain.calls import CallOutcome

pytestmark = pytest.mark.interop


def register(
    switch: Switch, sipp_bin: str, ext: Extension, contact_port: int, expires: int = 300
) -> SippRun:
    return sipp(
        sipp_bin,
        "register.xml",
        switch.target,
        switch.workdir,
        f"register-{ext.username}",
        free_port(),
        [
            "-au",
            ext.username,
            "-ap",
            ext.password,
            "-key",
            "user",
            ext.username,
            "-key",
            "domain",
            REALM,
            "-key",
            "contact_port",
            str(contact_port),
            "-key",
            "expires",
            str(expires),
            "-m",
            "1",
            "-timeout",
            "10",
        ],
    )


def test_fifty_accounts_register_with_digest_auth(switch: Switch, sipp_bin: str) -> None:
    users = switch.extensions[:50]
    for start in range(0, len(users), 10):  # ten SIPp processes at a time
        runs = [
            register(switch, sipp_bin, ext, 6000 + i)
            for i, ext in enumerate(users[start : start + 10], start)
        ]
        for run in runs:
            assert run.wait(20) == 0, run.output()


def call(
    switch: Switch,
    sipp_bin: str,
    uac: str,
    uas: str | None,
    *,
    calls: int = 1,
    callee: Extension | None = None,
    dialled: str | None = None,
    uac_args: tuple[str, ...] = (),
) -> tuple[SippRun, SippRun | None]:
    """Register `callee` to a SIPp UAS running `uas`, then call it with the `uac` scenario."""
    caller = switch.extensions[0]
    callee = callee or switch.extensions[1]
    server_run = None
    if uas is not None:
        port = free_port()
        server_run = sipp(
            sipp_bin,
            uas,
            switch.target,
            switch.workdir,
            f"uas-{uas}",
            port,
            ["-m", str(calls), "-timeout", "30"],
        )
        assert register(switch, sipp_bin, callee, port).wait(10) == 0
    client = sipp(
        sipp_bin,
        uac,
        switch.target,
        switch.workdir,
        f"uac-{uac}",
        free_port(),
        [
            "-s",
            dialled or callee.number,
            "-au",
            caller.username,
            "-ap",
            caller.password,
            "-key",
            "user",
            caller.username,
            "-key",
            "domain",
            REALM,
            "-m",
            str(calls),
            "-d",
            "300",
            "-timeout",
            "30",
            *uac_args,
        ],
    )
    return client, server_run


def finish(client: SippRun, server: SippRun | None) -> None:
    try:
        assert client.wait(40) == 0, client.output()
        if server is not None:
            assert server.wait(10) == 0, server.output()
    finally:
        client.stop()
        if server is not None:
            server.stop()


def test_call_through_vaxel_answered_and_hung_up_by_caller(switch: Switch, sipp_bin: str) -> None:
    finish(*call(switch, sipp_bin, "uac.xml", "uas.xml"))
    records = wait_for_records(switch.database, 1)
    assert [r.outcome for r in records] == [CallOutcome.ANSWERED]
    record = records[0]
    assert (record.from_number, record.to_number) == ("2001", "2002")
    assert record.answered_at is not None and record.ended_at is not None


def test_callee_hangs_up(switch: Switch, sipp_bin: str) -> None:
    finish(*call(switch, sipp_bin, "uac_callee_hangs_up.xml", "uas_hangup.xml"))
    records = wait_for_records(switch.database, 1)
    assert [r.outcome for r in records] == [CallOutcome.ANSWERED]


def test_cancel_before_answer(switch: Switch, sipp_bin: str) -> None:
    finish(*call(switch, sipp_bin, "uac_cancel.xml", "uas_ring.xml"))
    records = wait_for_records(switch.database, 1)
    assert [r.outcome for r in records] == [CallOutcome.ABANDONED]


def test_busy_callee_gives_486(switch: Switch, sipp_bin: str) -> None:
    finish(*call(switch, sipp_bin, "uac_busy.xml", "uas_busy.xml"))
    records = wait_for_records(switch.database, 1)
    assert [r.outcome for r in records] == [CallOutcome.BUSY]


def test_unregistered_callee_gives_480(switch: Switch, sipp_bin: str) -> None:
    finish(*call(switch, sipp_bin, "uac_unavailable.xml", None))


def test_unknown_number_gives_404(switch: Switch, sipp_bin: str) -> None:
    finish(*call(switch, sipp_bin, "uac_unknown.xml", None, dialled="9999"))


def test_twenty_calls_in_a_row(switch: Switch, sipp_bin: str) -> None:
    finish(*call(switch, sipp_bin, "uac.xml", "uas.xml", calls=20, uac_args=("-r", "10")))
    records = wait_for_records(switch.database, 20)
    assert [r.outcome for r in records] == [CallOutcome.ANSWERED] * 20


def test_bindings_survive_a_restart(switch: Switch, sipp_bin: str) -> None:
    callee = switch.extensions[1]
    port = free_port()
    assert register(switch, sipp_bin, callee, port).wait(10) == 0
    switch.server.stop()  # SIGTERM: the write-behind queue is flushed on the way out
    switch.server.start()
    assert "1 bindings restored" in switch.server.log()
    uas = sipp(
        sipp_bin,
        "uas.xml",
        switch.target,
        switch.workdir,
        "uas-after-restart",
        port,
        ["-m", "1", "-timeout", "30"],
    )
    caller = switch.extensions[0]
    uac = sipp(
        sipp_bin,
        "uac.xml",
        switch.target,
        switch.workdir,
        "uac-after-restart",
        free_port(),
        [
            "-s",
            callee.number,
            "-au",
            caller.username,
            "-ap",
            caller.password,
            "-key",
            "user",
            caller.username,
            "-key",
            "domain",
            REALM,
            "-m",
            "1",
            "-d",
            "200",
            "-timeout",
            "30",
        ],
    )
    finish(uac, uas)
