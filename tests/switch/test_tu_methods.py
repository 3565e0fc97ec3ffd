"""How the switch answers methods it does not take, Max-Forwards 0, and sips: (issue 3), on the
fake link with a virtual clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from switchboard import SDP, Switchboard, dialog_of

from vaxel.sip.message import Request, Response, parse_message

DATA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "rfc4475"
REALM = "test.vaxel"


def allowed(response: Response) -> list[str]:
    return [m.strip() for m in (response.headers.get("Allow") or "").split(",")]


@pytest.mark.parametrize("method", ["FOOBAR", "options", "Invite", "RE%47IST%45R"])
def test_a_method_we_do_not_recognise_is_501_with_allow(method: str) -> None:
    """RFC 3261 §21.5.2: 501 is the answer "when a UAS does not recognize the request method";
    405 (§8.2.1) is for one it recognises but does not allow. Method names are case-sensitive
    (§7.1): "options" is not OPTIONS."""
    board = Switchboard()
    phone = board.phone("1001", 5070)
    phone.send(phone.request(method, f"sip:1002@{REALM}"))
    answer = phone.last("501")
    assert isinstance(answer, Response)
    assert answer.reason == "Not Implemented"
    assert "INVITE" in allowed(answer) and "OPTIONS" in allowed(answer)


@pytest.mark.parametrize("method", ["MESSAGE", "PUBLISH", "REFER", "SUBSCRIBE", "NOTIFY"])
def test_a_method_we_recognise_but_do_not_take_is_405_with_allow(method: str) -> None:
    board = Switchboard()  # no message-waiting subscriptions: SUBSCRIBE is not taken either
    phone = board.phone("1001", 5070)
    phone.send(phone.request(method, f"sip:1002@{REALM}"))
    answer = phone.last("405")
    assert isinstance(answer, Response)
    assert method not in allowed(answer) and "INVITE" in allowed(answer)


@pytest.mark.parametrize("name", ["intmeth", "esc02"])
def test_rfc4475_unknown_methods_are_501(name: str) -> None:
    """RFC 4475 §3.1.1.2 and §3.1.1.5: both parse; their methods are unknown ("It is NOT
    equivalent to REGISTER"), and "an endpoint would reject this message with a 501"."""
    board = Switchboard()
    data = (DATA / f"{name}.dat").read_bytes()
    board.deliver(data, board.phone("1001", 5070).peer)
    (response,) = [parse_message(m) for m in [*_sent(board)]]
    assert isinstance(response, Response)
    assert response.status == 501
    assert board.registrar.bindings == {}  # esc02 registered nothing


def _sent(board: Switchboard) -> list[bytes]:
    phone = next(iter(board.phones.values()))
    return [m.to_bytes() for m in phone.take()] + [data for data, _ in board.lost]


def test_an_unknown_method_inside_a_call_is_501_not_relayed() -> None:
    """§8.2.1 inspects the method before the dialog is looked at (§8.2.2.2): an unknown
    method inside a call is answered here, not passed to the other phone."""
    board = Switchboard()
    alice, desk = board.phone("1001", 5070), board.phone("1002", 5080)
    for phone in (alice, desk):
        assert phone.register().status == 200
        phone.take()
    a_invite = alice.call("1002")
    b_invite = desk.last("INVITE")
    assert isinstance(b_invite, Request)
    desk.answer(b_invite, 200, "d1", SDP)
    a_ok = alice.last("200")
    assert isinstance(a_ok, Response)
    a_dialog = dialog_of(a_invite, a_ok)
    alice.send(a_dialog.create_ack(a_invite.cseq.seq))
    desk.take()
    alice.send(a_dialog.create_request("FOOBAR"))
    assert alice.got()[-1] == "501"
    assert desk.got() == []
    # A method we know is still relayed end to end.
    alice.send(a_dialog.create_request("INFO"))
    assert desk.got()[-1] == "INFO"


def test_an_unknown_method_with_a_stale_to_tag_is_501_too() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    phone.send(phone.request("FOOBAR", f"sip:1002@{REALM}", to=f"<sip:1002@{REALM}>;tag=gone"))
    assert phone.got() == ["501"]
    phone.send(phone.request("BYE", f"sip:1002@{REALM}", to=f"<sip:1002@{REALM}>;tag=gone"))
    assert phone.got()[-1] == "481"


def test_max_forwards_zero_options_and_register_addressed_to_us_are_served() -> None:
    """RFC 4475 §3.3.11 (zeromf): we are the final recipient of OPTIONS and REGISTER, so we
    process them "as if the Max-Forwards field value were still positive"."""
    board = Switchboard()
    phone = board.phone("1001", 5070)
    options = phone.request("OPTIONS", f"sip:{REALM}")
    options.headers.set("Max-Forwards", "0")
    phone.send(options)
    ok = phone.last("200")
    assert isinstance(ok, Response) and "INVITE" in allowed(ok)
    register = phone.request("REGISTER", f"sip:{REALM}", to=f"<sip:1001@{REALM}>")
    register.headers.set("Max-Forwards", "0")
    phone.send(register)
    assert phone.got()[-1] == "401"  # served: challenged as any REGISTER


def test_max_forwards_zero_invite_is_483_it_would_be_carried_on() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    invite = phone.request("INVITE", f"sip:1002@{REALM}", body=SDP)
    invite.headers.set("Max-Forwards", "0")
    phone.send(invite)
    assert phone.got() == ["483"]


def test_a_sips_invite_over_udp_is_416_not_routed_as_sip() -> None:
    board = Switchboard()
    alice, desk = board.phone("1001", 5070), board.phone("1002", 5080)
    assert desk.register().status == 200
    desk.take()
    alice.send(alice.request("INVITE", f"sips:1002@{REALM}", body=SDP))
    assert alice.got() == ["416"]
    assert desk.got() == []
    assert board.b2bua.active == 0
