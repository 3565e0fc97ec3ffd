"""Registrar defects found by poking a running switch from outside, kept as tests."""

from __future__ import annotations

from switchboard import Switchboard

from vaxel.switch.registrar import RegistrarPolicy


def test_an_equivalent_contact_uri_refreshes_and_removes_the_same_binding() -> None:
    """RFC 3261 §10.3 step 7 finds a binding by the URI comparison of §19.1.4: a phone that
    writes its Contact with other parameter order or host case keeps one binding (one
    INVITE per call), and removing it by an equivalent URI removes it."""
    board = Switchboard()
    phone = board.phone("1001", 5070)
    first = "<sip:1001@Phone.example.com:5070;transport=udp;line=abc>"
    assert phone.register(contact=first).status == 200
    again = "<sip:1001@phone.EXAMPLE.com:5070;LINE=abc;transport=UDP>;q=0.5"
    answer = phone.register(contact=again)
    assert answer.status == 200
    bindings = board.registrar.contacts_of(1, board.now)
    assert len(bindings) == 1 and len(answer.contacts) == 1
    assert bindings[0].q == 0.5  # the refresh's parameters count
    gone = phone.register(
        contact="<sip:1001@phone.example.com:5070;line=abc;transport=udp>;expires=0"
    )
    assert gone.status == 200 and gone.contacts == []
    assert board.registrar.contacts_of(1, board.now) == []
    # A URI that differs where §19.1.4 says it must (transport present on one side only) is
    # another binding. (A transport=tcp contact needs a switch that listens on TCP.)
    board.endpoint.set_local("tcp", "127.0.0.1", 5060)
    assert phone.register(contact="<sip:1001@phone.example.com:5070;transport=tcp>").status == 200
    phone.register(contact="<sip:1001@phone.example.com:5070>")
    assert len(board.registrar.contacts_of(1, board.now)) == 2


def test_bindings_per_account_are_bounded_the_stalest_make_way() -> None:
    """Every binding is one more INVITE per call. A softphone that restarts on a new port
    leaves its old binding behind until it expires, and a REGISTER could list thousands:
    past the limit the bindings that expire soonest make way, and a REGISTER that alone
    lists more contacts than the limit is refused."""
    board = Switchboard()
    board.registrar.policy = RegistrarPolicy(min_expires=60, max_contacts=3)
    for port in range(5070, 5075):
        assert board.phone("1001", port).register(expires=300).status == 200
        board.advance(1)
    left = board.registrar.contacts_of(1, board.now)
    assert sorted(b.source.port for b in left) == [5072, 5073, 5074]
    many = ", ".join(f"<sip:1001@10.0.0.9:{port}>" for port in range(6000, 6004))
    refused = board.phone("1001", 5075).register(contact=many)
    assert refused.status == 403
    assert len(board.registrar.contacts_of(1, board.now)) == 3
