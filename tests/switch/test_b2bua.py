"""Calls between extensions through the B2BUA, on the fake link (no sockets)."""

from __future__ import annotations

from switchboard import SDP, Phone, Switchboard, dialog_of

from vaxel.domain.calls import CallOutcome
from vaxel.sip.message import Request, Response


def setup_call(ring_timeout: float = 30.0) -> tuple[Switchboard, Phone, Phone, Phone]:
    """1001 calls 1002, whose two phones are both registered and both ring."""
    board = Switchboard(ring_timeout)
    alice = board.phone("1001", 5070)
    desk, soft = board.phone("1002", 5080), board.phone("1002b", 5081)
    for phone in (alice, desk, soft):
        assert phone.register().status == 200
        phone.take()
    return board, alice, desk, soft


def invite_to(phone: Phone) -> Request:
    invite = phone.last("INVITE")
    assert isinstance(invite, Request)
    return invite


def test_first_answer_wins_the_others_are_cancelled_and_bye_ends_both() -> None:
    board, alice, desk, soft = setup_call()
    a_invite = alice.call("1002")
    assert alice.got()[-1] == "100"
    b1, b2 = invite_to(desk), invite_to(soft)  # forked in parallel
    assert b1.body == SDP and b1.call_id != a_invite.call_id  # our own leg, SDP unchanged
    assert b1.from_.uri.user == "1001"

    desk.answer(b1, 180, "d1")
    assert alice.got()[-1] == "180"
    soft.answer(b2, 180, "s1")
    ok = soft.answer(b2, 200, "s1", SDP.replace(b"4000", b"5000"))
    a_ok = alice.last("200")
    assert isinstance(a_ok, Response) and b"5000" in a_ok.body
    assert desk.got()[-1] == "CANCEL"  # the loser is cancelled
    cancel = desk.last("CANCEL")
    desk.send(cancel.response(200))  # type: ignore[union-attr]
    desk.answer(b1, 487, "d1")
    assert desk.got()[-1] == "ACK"  # the ICT ACKs the 487 itself

    a_dialog = dialog_of(a_invite, a_ok)
    alice.send(a_dialog.create_ack(a_invite.cseq.seq))
    assert soft.got()[-1] == "ACK"  # end to end
    alice.send(a_dialog.create_request("BYE"))
    assert alice.got()[-1] == "200"
    bye = soft.last("BYE")
    soft.send(bye.response(200))  # type: ignore[union-attr]
    assert ok.status == 200

    [record] = board.records.records
    assert record.outcome is CallOutcome.ANSWERED
    assert (record.from_number, record.to_number) == ("1001", "1002")
    assert record.answered_at is not None and record.ended_at is not None
    assert board.b2bua.active == 0


def test_callee_hangs_up_and_reinvite_is_relayed_both_ways() -> None:
    board, alice, desk, soft = setup_call()
    a_invite = alice.call("1002")
    b_invite = invite_to(desk)
    b_ok = desk.answer(b_invite, 200, "d1", SDP)
    soft.answer(invite_to(soft), 180, "s1")
    a_ok = alice.last("200")
    assert isinstance(a_ok, Response)
    a_dialog = dialog_of(a_invite, a_ok)
    alice.send(a_dialog.create_ack(a_invite.cseq.seq))

    # The callee puts the caller on hold: re-INVITE with sendonly, relayed to A.
    from vaxel.sip.dialog import Dialog

    b_dialog = Dialog.from_uas(b_invite, b_ok, via="SIP/2.0/UDP 10.0.0.1:5080")
    hold = b_dialog.create_request(
        "INVITE", [("Content-Type", "application/sdp")], SDP + b"a=sendonly\r\n"
    )
    desk.send(hold)
    relayed = alice.last("INVITE")
    assert isinstance(relayed, Request) and b"a=sendonly" in relayed.body
    assert a_dialog.receive_request(relayed)
    alice.send(
        relayed.response(
            200,
            headers=[("Contact", alice.contact), ("Content-Type", "application/sdp")],
            body=SDP + b"a=recvonly\r\n",
        )
    )
    ok = desk.last("200")
    assert b"a=recvonly" in ok.body
    desk.send(b_dialog.create_ack(hold.cseq.seq))
    assert alice.got()[-1] == "ACK"

    # The caller resumes: re-INVITE from A, relayed to B.
    resume = a_dialog.create_request("INVITE", [("Content-Type", "application/sdp")], SDP)
    alice.send(resume)
    to_b = desk.last("INVITE")
    desk.send(to_b.response(200, headers=[("Contact", desk.contact)], body=SDP))  # type: ignore[union-attr]
    assert alice.got()[-1] == "200"
    alice.send(a_dialog.create_ack(resume.cseq.seq))
    assert desk.got()[-1] == "ACK"

    desk.send(b_dialog.create_request("BYE"))
    assert desk.got()[-1] == "200"
    assert alice.got()[-1] == "BYE"
    assert [r.outcome for r in board.records.records] == [CallOutcome.ANSWERED]


def test_cancel_from_the_caller_cancels_every_leg() -> None:
    board, alice, desk, soft = setup_call()
    a_invite = alice.call("1002")
    desk.answer(invite_to(desk), 180, "d1")
    # soft has not answered anything: it must not get a CANCEL before a provisional (§9.1)
    from vaxel.sip.transaction import make_cancel

    alice.send(make_cancel(a_invite))
    assert alice.got()[-2:] == ["200", "487"] or alice.got()[-2:] == ["487", "200"]
    assert desk.got()[-1] == "CANCEL"
    assert "CANCEL" not in soft.got()
    soft.answer(invite_to(soft), 180, "s1")
    assert soft.got()[-1] == "CANCEL"  # sent once its 1xx came
    assert [r.outcome for r in board.records.records] == [CallOutcome.ABANDONED]


def test_all_busy_gives_486_and_a_busy_record() -> None:
    board, alice, desk, soft = setup_call()
    alice.call("1002")
    desk.answer(invite_to(desk), 486, "d1")
    soft.answer(invite_to(soft), 486, "s1")
    assert alice.got()[-1] == "486"
    assert [r.outcome for r in board.records.records] == [CallOutcome.BUSY]


def test_unknown_number_404_and_unregistered_480() -> None:
    board = Switchboard()
    alice = board.phone("1001", 5070)
    alice.call("4444")
    assert alice.got()[-1] == "404"
    alice.call("1002")  # a person with no phone registered
    assert alice.got()[-1] == "480"
    assert [r.outcome for r in board.records.records] == [CallOutcome.FAILED]


def test_no_answer_within_the_ring_timeout_gives_480() -> None:
    board, alice, desk, soft = setup_call(ring_timeout=10)
    alice.call("1002")
    desk.answer(invite_to(desk), 180, "d1")
    soft.answer(invite_to(soft), 180, "s1")
    board.advance(11)
    assert alice.got()[-1] == "480"
    assert desk.got()[-1] == "CANCEL" and soft.got()[-1] == "CANCEL"
    assert [r.outcome for r in board.records.records] == [CallOutcome.FAILED]


def test_unauthenticated_invite_is_challenged_with_407() -> None:
    board = Switchboard()
    alice = board.phone("1001", 5070)
    alice.send(alice.request("INVITE", "sip:1002@test.vaxel", body=SDP))
    answer = alice.last("407")
    assert answer.headers.values("Proxy-Authenticate")
    assert "100" not in alice.got()  # answered at once: no 100 Trying needed


def test_retransmitted_invite_is_absorbed() -> None:
    board, alice, desk, _soft = setup_call()
    invite = alice.call("1002")
    alice.send(invite)  # a retransmission: no second fork
    assert desk.got().count("INVITE") == 1
    assert board.endpoint.stats["absorbed"] >= 1
