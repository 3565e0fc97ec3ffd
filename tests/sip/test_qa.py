"""Defects found by poking a running switch from outside with raw messages, kept as tests."""

from __future__ import annotations

from test_message import invite

from vaxel.sip.auth import (
    AuthResult,
    DigestChallenger,
    authorization,
    compute_ha1,
    parse_credentials,
)
from vaxel.sip.endpoint import Endpoint, Peer
from vaxel.sip.message import Request, parse_message

PHONE = Peer("udp", "192.0.2.20", 5062)


def options(extra: str = "", to: str = "<sip:1002@example.com>") -> bytes:
    return (
        "OPTIONS sip:1002@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bK-o1;rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:1001@example.com>;tag=a1\r\n"
        f"To: {to}\r\n"
        "Call-ID: opt1\r\n"
        "CSeq: 1 OPTIONS\r\n"
        f"{extra}"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def test_final_responses_carry_a_to_tag_even_when_the_caller_gives_none() -> None:
    """RFC 3261 §8.2.6.2: a UAS MUST add a To tag to every response but 100 (the switch's
    200 to OPTIONS, its 405, 481 and 400s went out without one)."""
    request = parse_message(invite())
    assert isinstance(request, Request)
    busy = request.response(486)
    assert busy.to.tag
    assert busy.to.uri == request.to.uri
    # The same tag for every response to this request that names none (§8.2.7 asks the
    # same of a stateless UAS), and for a CANCEL of it (§9.2).
    assert request.response(180).to.tag == busy.to.tag
    cancel = parse_message(
        invite().replace(b"INVITE sip", b"CANCEL sip").replace(b"7 INVITE", b"7 CANCEL")
    )
    assert isinstance(cancel, Request)
    assert cancel.response(200).to.tag == busy.to.tag
    # Another request gets another tag; 100 Trying gets none; a given tag wins.
    other = parse_message(invite().replace(b"branch=z9hG4bK-1", b"branch=z9hG4bK-2"))
    assert isinstance(other, Request)
    assert other.response(486).to.tag != busy.to.tag
    assert request.response(100).to.tag is None
    assert request.response(200, to_tag="mine").to.tag == "mine"


def test_stateless_rejections_carry_a_to_tag() -> None:
    endpoint = Endpoint()
    endpoint.receive(options(extra="Require: foo\r\n"), PHONE, 0.0)
    (out,) = endpoint.take_outgoing()
    response = parse_message(out.data)
    assert response.start_line() == "SIP/2.0 420 Bad Extension"
    assert response.to.tag


def test_a_400_to_a_request_that_does_not_parse_carries_a_to_tag() -> None:
    endpoint = Endpoint()
    broken = options().replace(b"Content-Length: 0", b"Content-Length: abc")
    endpoint.receive(broken.replace(b"CSeq: 1 OPTIONS", b"CSeq: x OPTIONS"), PHONE, 0.0)
    (out,) = endpoint.take_outgoing()
    response = parse_message(out.data)
    assert response.start_line().startswith("SIP/2.0 400 Bad Content-Length")
    assert response.to.tag


def test_an_answer_without_qop_cannot_be_replayed() -> None:
    """Without qop there is no nonce count, so nothing told a replayed RFC 2069-style answer
    (any Contact may ride on it) from a fresh one for the nonce's whole lifetime. Such a
    nonce now serves one request; a second use is told to fetch a new one (stale=true), and
    a qop answer cannot reuse it either."""
    server = DigestChallenger("vaxel", b"k" * 32, nonce_ttl=300)
    challenge = server.challenge(now=0.0, algorithms=("MD5",))[0]
    legacy = challenge.replace(', qop="auth"', "")
    value = authorization(legacy, "1001", "secret-1", "REGISTER", "sip:vaxel", cnonce="c")
    creds = parse_credentials(value)
    assert creds.qop is None
    ha1 = compute_ha1("1001", "vaxel", "secret-1")
    assert server.verify(creds, "REGISTER", ha1, now=1.0) is AuthResult.OK
    assert server.verify(creds, "REGISTER", ha1, now=2.0) is AuthResult.STALE
    with_qop = authorization(challenge, "1001", "secret-1", "REGISTER", "sip:vaxel", cnonce="d")
    assert server.verify(parse_credentials(with_qop), "REGISTER", ha1, 3.0) is AuthResult.REPLAY
