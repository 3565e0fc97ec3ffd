"""The B2BUA's app side on the fake link: an app answers with its own SDP, rings phones before
or after answering, lets a phone go, hangs up, originates; the transition table underneath."""

from __future__ import annotations

from dataclasses import dataclass, field

from switchboard import SDP, Phone, Switchboard, dialog_of

from vaxel.domain.calls import CallOutcome
from vaxel.sip.dialog import Dialog
from vaxel.sip.message import Request, Response
from vaxel.switch.b2bua import TRANSITIONS, Call, CallState, Ev, Leg, Side
from vaxel.switch.call_context import RingOutcome

OURS = (
    b"v=0\r\no=vaxel 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 36000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
)


@dataclass
class Hooks:
    """The app's side of one call, as the B2BUA tells it things."""

    ended_calls: int = 0
    held_gone_calls: int = 0
    answers: list[bytes] = field(default_factory=list)
    offers: list[tuple[Side, bytes]] = field(default_factory=list)

    def ended(self) -> None:
        self.ended_calls += 1

    def b_answered(self, leg: Leg, response: Response) -> None:
        self.answers.append(response.body)

    def held_gone(self) -> None:
        self.held_gone_calls += 1

    def offer_in(self, side: Side, body: bytes) -> bytes | None:
        self.offers.append((side, body))
        return OURS


@dataclass
class Apps:
    """Takes every call and keeps it; the test plays the app."""

    calls: list[Call] = field(default_factory=list)
    hooks: list[Hooks] = field(default_factory=list)
    connected_calls: list[tuple[Call, Leg]] = field(default_factory=list)

    def start(self, call: Call) -> None:
        hooks = Hooks()
        call.hooks = hooks
        self.calls.append(call)
        self.hooks.append(hooks)

    def connected(self, call: Call, leg: Leg) -> None:
        self.connected_calls.append((call, leg))


def board_with_apps() -> tuple[Switchboard, Apps, Phone, Phone, Phone]:
    board = Switchboard(ring_timeout=30.0)
    apps = Apps()
    board.b2bua.apps = apps
    alice = board.phone("1001", 5070)
    desk, soft = board.phone("1002", 5080), board.phone("1002b", 5081)
    for phone in (alice, desk, soft):
        assert phone.register().status == 200
        phone.take()
    return board, apps, alice, desk, soft


def contacts(board: Switchboard, *users: str) -> list[tuple[object, object]]:
    found = []
    for user in users:
        account = board.directory.account(user)
        assert account is not None
        found += [(account, b) for b in board.registrar.contacts_of(account.id, board.now)]
    return found


class Outcomes:
    def __init__(self) -> None:
        self.seen: list[tuple[RingOutcome, str]] = []

    def __call__(self, outcome: RingOutcome, by: str) -> None:
        self.seen.append((outcome, by))


def test_every_state_has_a_way_out() -> None:
    """Each state but ENDED can end: a hang-up from the caller or from the app."""
    for state in CallState:
        if state is CallState.ENDED:
            continue
        ways = {event for (s, event) in TRANSITIONS if s is state}
        assert ways & {Ev.A_CANCEL, Ev.BYE, Ev.APP_HANGUP, Ev.RING_TIMEOUT}, state


def test_an_app_answers_with_its_own_sdp_and_hangs_up() -> None:
    board, apps, alice, _, _ = board_with_apps()
    invite = alice.call("1002")
    [call] = apps.calls
    assert call.state is CallState.ROUTING and call.dialled == "1002"
    assert alice.got()[-1] == "100"  # nothing rang, nothing answered: the app decides
    assert board.b2bua.answer(call, OURS, board.now)
    board.flush()
    ok = alice.last("200")
    assert isinstance(ok, Response) and ok.body == OURS
    assert ok.headers.get("Content-Type") == "application/sdp"
    dialog = dialog_of(invite, ok)
    alice.send(dialog.create_ack(invite.cseq.seq))
    assert call.state is CallState.CONFIRMED and board.b2bua.busy(1)
    board.b2bua.hang_up(call, board.now)
    board.flush()
    assert alice.got()[-1] == "BYE"
    assert call.state is CallState.ENDED and not board.b2bua.busy(1)
    assert apps.hooks[0].ended_calls == 1
    assert board.records.records == []  # the app has not said how it went
    board.b2bua.app_finished(call, outcome=CallOutcome.VOICEMAIL, informed=True)
    [record] = board.records.records
    assert record.outcome is CallOutcome.VOICEMAIL and record.informed
    assert record.answered_at is None  # a machine answered, not a person
    assert board.b2bua.active == 0


def test_ringing_before_answer_relays_ringing_then_falls_back_to_the_app() -> None:
    board, apps, alice, desk, _soft = board_with_apps()
    alice.call("1002")
    [call] = apps.calls
    done = Outcomes()
    fork = board.b2bua.ring(call, contacts(board, "1002", "1002b"), 20.0, board.now, on_done=done)
    board.flush()
    assert fork is not None and call.state is CallState.PROCEEDING
    b1 = desk.last("INVITE")
    assert isinstance(b1, Request) and b1.body == SDP  # the caller's own SDP
    desk.answer(b1, 180, "d1")
    assert alice.got()[-1] == "180"
    board.advance(20.5)  # nobody answers
    assert done.seen == [(RingOutcome.NO_ANSWER, "")]
    assert call.state is CallState.ROUTING
    assert "CANCEL" in desk.got()
    # The plan goes on: the app answers with its own media (voicemail, say).
    assert board.b2bua.answer(call, OURS, board.now)
    board.flush()
    ok = alice.last("200")
    assert isinstance(ok, Response) and ok.body == OURS


def test_a_phone_that_answers_the_ring_is_the_callers() -> None:
    board, apps, alice, desk, _ = board_with_apps()
    invite = alice.call("1002")
    [call] = apps.calls
    done = Outcomes()
    board.b2bua.ring(call, contacts(board, "1002"), 20.0, board.now, on_done=done)
    board.flush()
    b1 = desk.last("INVITE")
    assert isinstance(b1, Request)
    desk.answer(b1, 200, "d1", SDP.replace(b"4000", b"5000"))
    ok = alice.last("200")
    assert isinstance(ok, Response) and b"5000" in ok.body
    assert done.seen == [(RingOutcome.ANSWERED, "1002")]
    assert apps.connected_calls[0][0] is call
    alice.send(dialog_of(invite, ok).create_ack(invite.cseq.seq))
    assert desk.got()[-1] == "ACK"  # end to end


def test_once_answered_by_us_phones_get_our_offer_and_we_ack_them() -> None:
    board, apps, alice, desk, soft = board_with_apps()
    invite = alice.call("1002")
    [call] = apps.calls
    board.b2bua.answer(call, OURS, board.now)
    board.flush()
    ok = alice.last("200")
    assert isinstance(ok, Response)
    alice.send(dialog_of(invite, ok).create_ack(invite.cseq.seq))
    alice.take()
    done = Outcomes()
    offer = OURS.replace(b"36000", b"36002")
    board.b2bua.ring(call, contacts(board, "1002", "1002b"), 15.0, board.now, on_done=done,
                     offer=offer)  # fmt: skip
    board.flush()
    b1, b2 = desk.last("INVITE"), soft.last("INVITE")
    assert isinstance(b1, Request) and b1.body == offer and b1.to.uri.user == "1002"
    desk.answer(b1, 180, "d1")
    soft.answer(b2, 180, "s1")
    assert alice.got() == []  # the caller hears our ringing tone, not a relayed 180
    b_ok = desk.answer(b1, 200, "d1", SDP)
    assert desk.got()[-1] == "ACK"  # acknowledged by us at once
    assert soft.got()[-1] == "CANCEL"
    assert done.seen == [(RingOutcome.ANSWERED, "1002")]
    hooks = apps.hooks[0]
    assert hooks.answers == [SDP]
    assert call.winner is not None and board.b2bua.busy(2)
    # The phone hangs up: the caller's call ends too.
    uas = Dialog.from_uas(b1, b_ok, via="SIP/2.0/UDP 10.0.0.1:5080")
    desk.send(uas.create_request("BYE"))
    assert desk.got()[-1] == "200"
    assert alice.got()[-1] == "BYE"
    assert call.state is CallState.ENDED and hooks.ended_calls == 1


def test_a_phone_can_be_let_go_and_another_rung_a_transfer() -> None:
    board, apps, alice, desk, soft = board_with_apps()
    invite = alice.call("1002")
    [call] = apps.calls
    board.b2bua.answer(call, OURS, board.now)
    board.flush()
    ok = alice.last("200")
    assert isinstance(ok, Response)
    alice.send(dialog_of(invite, ok).create_ack(invite.cseq.seq))
    board.b2bua.ring(call, contacts(board, "1002"), 15.0, board.now, on_done=Outcomes(),
                     offer=OURS)  # fmt: skip
    board.flush()
    b1 = desk.last("INVITE")
    assert isinstance(b1, Request)
    desk.answer(b1, 200, "d1", SDP)
    desk.take()
    alice.take()
    let_go = board.b2bua.drop_connected(call, board.now)
    board.flush()
    assert let_go is not None and desk.got() == ["BYE"] and alice.got() == []
    assert call.state is CallState.CONFIRMED and call.winner is None and not board.b2bua.busy(2)
    done = Outcomes()
    board.b2bua.ring(call, contacts(board, "1002b"), 15.0, board.now, on_done=done, offer=OURS)
    board.flush()
    b2 = soft.last("INVITE")
    assert isinstance(b2, Request)
    soft.answer(b2, 486, "s1")
    assert done.seen == [(RingOutcome.BUSY, "")]
    assert call.state is CallState.CONFIRMED  # the caller is still ours


def test_the_caller_cancels_while_the_app_decides() -> None:
    board, apps, alice, _, _ = board_with_apps()
    invite = alice.call("1002")
    [call] = apps.calls
    cancel = alice.request("CANCEL", str(invite.uri), call_id=invite.call_id, cseq=2,
                           branch=invite.top_via.branch)  # fmt: skip
    alice.send(cancel)
    assert "487" in alice.got()
    assert call.state is CallState.ENDED
    assert apps.hooks[0].ended_calls == 1
    assert not board.b2bua.answer(call, OURS, board.now)  # too late for the app


def test_a_re_invite_on_our_media_is_answered_by_us() -> None:
    board, apps, alice, _, _ = board_with_apps()
    invite = alice.call("1002")
    [call] = apps.calls
    board.b2bua.answer(call, OURS, board.now)
    board.flush()
    ok = alice.last("200")
    assert isinstance(ok, Response)
    dialog = dialog_of(invite, ok)
    alice.send(dialog.create_ack(invite.cseq.seq))
    hold = dialog.create_request("INVITE", [("Content-Type", "application/sdp")],
                                 SDP + b"a=sendonly\r\n")  # fmt: skip
    alice.send(hold)
    answer = alice.last("200")
    assert isinstance(answer, Response) and answer.body == OURS
    assert apps.hooks[0].offers == [(Side.A, SDP + b"a=sendonly\r\n")]


def test_originate_rings_a_phone_that_becomes_side_a() -> None:
    board, _apps, _, desk, _ = board_with_apps()
    done = Outcomes()
    call = board.b2bua.originate(
        contacts(board, "1002"),
        30.0,
        board.now,
        offer=OURS,
        from_number="1002",
        to_number="1001",
        display="Återuppringning",
        on_done=done,
    )
    assert call is not None
    call.hooks = Hooks()
    board.flush()
    b1 = desk.last("INVITE")
    assert isinstance(b1, Request) and b1.body == OURS
    assert b1.from_.display == "Återuppringning" and b1.from_.uri.user == "1001"
    desk.answer(b1, 200, "d1", SDP)
    assert desk.got()[-1] == "ACK"
    assert call.state is CallState.CONFIRMED and done.seen == [(RingOutcome.ANSWERED, "1002")]
    assert call.dialog(Side.A) is not None
    board.b2bua.hang_up(call, board.now)
    board.flush()
    assert desk.got()[-1] == "BYE" and call.state is CallState.ENDED
    board.b2bua.app_finished(call, outcome=CallOutcome.FAILED)
    [record] = board.records.records
    assert (record.from_number, record.to_number) == ("1002", "1001")


def test_a_consultation_holds_the_phone_then_resumes_or_completes() -> None:
    board, apps, alice, desk, soft = board_with_apps()
    invite = alice.call("1001")
    [call] = apps.calls
    board.b2bua.answer(call, OURS, board.now)
    board.flush()
    ok = alice.last("200")
    assert isinstance(ok, Response)
    alice.send(dialog_of(invite, ok).create_ack(invite.cseq.seq))
    board.b2bua.ring(call, contacts(board, "1002"), 15.0, board.now, on_done=Outcomes(),
                     offer=OURS)  # fmt: skip
    board.flush()
    b1 = desk.last("INVITE")
    assert isinstance(b1, Request)
    operator_ok = desk.answer(b1, 200, "d1", SDP)
    operator = call.winner
    # Hold the operator's phone; ring the one to consult; cancel: the operator is back.
    assert board.b2bua.hold_connected(call, board.now) is operator
    assert call.winner is None and call.held is operator
    board.b2bua.ring(call, contacts(board, "1002b"), 15.0, board.now, on_done=Outcomes(),
                     offer=OURS)  # fmt: skip
    board.flush()
    b2 = soft.last("INVITE")
    assert isinstance(b2, Request)
    soft.answer(b2, 200, "s1", SDP)
    consulted = call.winner
    assert consulted is not None and consulted is not operator
    soft.take()
    board.b2bua.resume_held(call, board.now)
    board.flush()
    assert soft.got() == ["BYE"] and call.winner is operator and call.held is None
    # Again, and complete: the operator's phone is let go, the caller keeps the other.
    board.b2bua.hold_connected(call, board.now)
    board.b2bua.ring(call, contacts(board, "1002b"), 15.0, board.now, on_done=Outcomes(),
                     offer=OURS)  # fmt: skip
    board.flush()
    b3 = soft.last("INVITE")
    assert isinstance(b3, Request)
    soft.answer(b3, 200, "s2", SDP)
    desk.take()
    board.b2bua.drop_held(call, board.now)
    board.flush()
    assert desk.got() == ["BYE"] and call.held is None and call.winner is not None
    assert call.state is CallState.CONFIRMED
    # A BYE from a phone on hold only ends that phone's part.
    board.b2bua.hold_connected(call, board.now)
    held = call.held
    assert held is not None and held.dialog is not None
    uas = Dialog.from_uas(b3, b3.response(200, to_tag="s2", headers=[("Contact", soft.contact)]),
                          via="SIP/2.0/UDP 10.0.0.1:5081")  # fmt: skip
    soft.send(uas.create_request("BYE"))
    assert soft.got()[-1] == "200" and call.held is None and call.state is CallState.CONFIRMED
    assert apps.hooks[0].held_gone_calls == 1
    assert operator_ok.status == 200
