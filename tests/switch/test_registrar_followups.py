"""Bindings the switch could never reach are refused at REGISTER (issue 3), and how calls
reach a binding: UDP, or TCP where the phone said or showed that it takes TCP."""

from __future__ import annotations

import pytest
from switchboard import SDP, SERVER, Switchboard

from vaxel.sip.endpoint import Peer
from vaxel.sip.message import Request


@pytest.mark.parametrize(
    ("contact", "named"),
    [
        ("<tel:+46701234567>", "tel:+46701234567"),
        ("<sips:1001@10.0.0.1:5071>", "sips:1001@10.0.0.1:5071"),
        ("<sip:1001@10.0.0.1:5070;transport=sctp>", "transport=sctp"),
        ("<sip:1001@10.0.0.1:5071;transport=tls>", "transport=tls"),
        ("<sip:1001@10.0.0.1:5070;transport=ws>", "transport=ws"),
        ("<sip:1001@10.0.0.1:5070;transport=tcp>", "transport=tcp"),  # we listen on UDP only
    ],
)
def test_a_contact_we_cannot_reach_is_refused_400_naming_it(contact: str, named: str) -> None:
    """A call to such a binding would only fail, slowly (Timer B, 32 s of ringing nothing):
    the phone hears at once, with the contact and why in the reason phrase."""
    board = Switchboard()
    phone = board.phone("1001", 5070)
    answer = phone.register(contact=contact)
    assert answer.status == 400
    assert named in answer.reason
    assert board.registrar.contacts_of(1, board.now) == []


def test_one_unreachable_contact_refuses_the_whole_register() -> None:
    """RFC 3261 §10.3 step 7: the bindings change "if and only if all binding updates and
    additions succeed"; a 200 leaving out a contact the phone asked for would read as
    success to most phones, which would then never be rung there."""
    board = Switchboard()
    phone = board.phone("1001", 5070)
    both = "<sip:1001@10.0.0.1:5070>, <sips:1001@10.0.0.1:5071>"
    assert phone.register(contact=both).status == 400
    assert board.registrar.contacts_of(1, board.now) == []
    assert phone.register().status == 200


def test_removing_a_contact_we_cannot_reach_is_fine() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    answer = phone.register(contact="<tel:+46701234567>;expires=0")
    assert answer.status == 200 and answer.contacts == []


def test_a_tcp_contact_registered_over_udp_is_called_over_tcp_when_we_listen_on_tcp() -> None:
    """RFC 3261 §18.1.1 wants a large request (Linphone's INVITEs with many codecs) on a
    congestion-controlled transport. A phone that names transport=tcp in its Contact takes
    TCP: the switch connects to it there, whatever the size."""
    board = Switchboard()
    board.endpoint.set_local("tcp", SERVER.host, SERVER.port)
    alice, linphone = board.phone("1001", 5070), board.phone("1002", 5080)
    for phone in (alice, linphone):
        contact = f"<sip:{phone.user}@10.0.0.1:{phone.peer.port};transport=tcp>"
        assert phone.register(contact=contact).status == 200
        phone.take()
    [binding] = board.registrar.contacts_of(2, board.now)
    assert binding.target == Peer("tcp", "10.0.0.1", 5080)
    alice.call("1002")
    [(data, peer)] = [(d, p) for d, p in board.lost if d.startswith(b"INVITE ")]
    assert peer == Peer("tcp", "10.0.0.1", 5080)
    assert b"SIP/2.0/TCP " in data and b";transport=tcp>" in data  # our Via and Contact


def test_a_large_invite_to_a_phone_registered_over_udp_stays_on_udp() -> None:
    """Many desk phones registered over UDP do not listen on TCP at all; a TCP attempt to
    them costs the connect timeout before any fallback. A UDP-registered phone is rung over
    UDP however large the INVITE (IP fragments on the site LAN), as every phone expects."""
    board = Switchboard()
    board.endpoint.set_local("tcp", SERVER.host, SERVER.port)
    alice, desk = board.phone("1001", 5070), board.phone("1002", 5080)
    for phone in (alice, desk):
        assert phone.register().status == 200
        phone.take()
    codecs = b"".join(b"a=rtpmap:%d opus-like-%d/48000/2\r\n" % (n, n) for n in range(96, 128))
    big = SDP + codecs
    invite = alice.request("INVITE", "sip:1002@test.vaxel", body=big)
    assert len(invite.to_bytes()) > 1300
    alice.send(invite)
    challenge = alice.last("407")
    invite = alice.request(
        "INVITE",
        "sip:1002@test.vaxel",
        call_id=invite.call_id,
        cseq=2,
        body=big,
        headers=[
            ("Proxy-Authorization", alice.credentials(challenge, invite, "Proxy-Authenticate"))  # type: ignore[arg-type]
        ],
    )
    alice.send(invite)
    b_invite = desk.last("INVITE")
    assert isinstance(b_invite, Request) and len(b_invite.to_bytes()) > 1300
    assert b_invite.top_via.transport == "UDP"


@pytest.mark.parametrize(
    "contacts",
    [
        "<sip:1001@10.0.0.1:5070>, <sip:1001@10.0.0.1:5070>",
        "<sip:1001@10.0.0.1:5070;foo=1>, <sip:1001@10.0.0.1:5070;FOO=1>",
        "<sip:1001@10.0.0.1:5070>;expires=120, <sip:1001@10.0.0.1:5070;lr>;expires=600",
    ],
)
def test_equivalent_contacts_in_one_register_make_one_binding(contacts: str) -> None:
    """RFC 3261 §19.1.4: equivalent Contacts in ONE REGISTER are one binding, the later wins
    (not only those equivalent to a binding stored before)."""
    board = Switchboard()
    phone = board.phone("1001", 5070)
    answer = phone.register(contact=contacts)
    assert answer.status == 200
    [binding] = board.registrar.contacts_of(1, board.now)
    assert binding.uri == str(answer.contacts[0].uri)
    later = contacts.rpartition(", ")[2]
    assert binding.uri == later[1 : later.index(">")]
    if "expires=600" in later:
        assert binding.expires_at == board.now + 600
    assert len(answer.contacts) == 1


def test_equivalent_contact_removed_later_in_the_same_register_is_removed() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    contacts = "<sip:1001@10.0.0.1:5070>;expires=300, <sip:1001@10.0.0.1:5070;x=y>;expires=0"
    assert phone.register(contact=contacts).status == 200
    assert board.registrar.contacts_of(1, board.now) == []
