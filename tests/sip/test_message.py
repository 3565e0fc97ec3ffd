"""Requests and responses: parse, typed views, build, answer, serialise, and the §8.2 checks."""

from __future__ import annotations

import pytest

from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.headers import Via
from vaxel.sip.message import (
    REASON_PHRASES,
    Rejection,
    Request,
    Response,
    check_request,
    check_response,
    parse_message,
)
from vaxel.sip.uri import AbsoluteUri, SipUri

SDP = (
    b"v=0\r\no=- 1 1 IN IP6 2001:db8::20\r\ns=-\r\nc=IN IP6 2001:db8::20\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 0\r\n"
)


def invite(extra: str = "", body: bytes = SDP) -> bytes:
    head = (
        "INVITE sip:1002@[2001:db8::10] SIP/2.0\r\n"
        "Via: SIP/2.0/UDP [2001:db8::20]:5062;branch=z9hG4bK-1;rport\r\n"
        "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bK-0\r\n"
        "Max-Forwards: 70\r\n"
        'From: "Anna" <sip:1001@example.com>;tag=a1\r\n'
        "To: <sip:1002@example.com>\r\n"
        "Call-ID: abc123@2001:db8::20\r\n"
        "CSeq: 7 INVITE\r\n"
        "Contact: <sip:1001@[2001:db8::20]:5062>\r\n"
        "Record-Route: <sip:proxy.example.com;lr>\r\n"
        "Content-Type: application/sdp\r\n"
        f"{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def test_parse_request_and_typed_views() -> None:
    msg = parse_message(invite())
    assert isinstance(msg, Request)
    assert msg.method == "INVITE"
    assert msg.uri == SipUri.parse("sip:1002@[2001:db8::10]")
    assert msg.version == "SIP/2.0"
    assert [v.branch for v in msg.vias] == ["z9hG4bK-1", "z9hG4bK-0"]
    assert msg.top_via.host == "[2001:db8::20]" and msg.top_via.port == 5062
    assert msg.call_id == "abc123@2001:db8::20"
    assert (msg.cseq.seq, msg.cseq.method) == (7, "INVITE")
    assert msg.from_.display == "Anna" and msg.from_.tag == "a1"
    assert msg.to.tag is None
    assert [str(c.uri) for c in msg.contacts] == ["sip:1001@[2001:db8::20]:5062"]
    assert msg.max_forwards == 70
    assert msg.expires is None
    assert msg.routes == []
    assert [str(r.uri) for r in msg.record_routes] == ["sip:proxy.example.com;lr"]
    assert msg.content_type == "application/sdp"
    assert msg.body == SDP
    assert check_request(msg) is None


def test_typed_views_are_cached_until_headers_change() -> None:
    msg = parse_message(invite())
    assert msg.top_via is msg.top_via
    msg.headers.set("CSeq", "8 INVITE")
    assert msg.cseq.seq == 8


def test_compact_forms_folding_and_repeated_headers() -> None:
    data = (
        b"REGISTER sip:example.com SIP/2.0\r\n"
        b"v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,\r\n"
        b"   SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n"
        b"V: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
        b"f: <sip:u@example.com>;tag=1\r\nt: <sip:u@example.com>\r\ni: x@y\r\n"
        b"CSeq: 1\r\n\tREGISTER\r\n"
        b"m: <sip:u@192.0.2.1>;expires=60, <sip:u@192.0.2.2>;q=0.5\r\n"
        b"m: <sip:u@192.0.2.3>\r\n"
        b"Expires: 3600\r\n"
        b"k: path, outbound\r\n"
        b"l: 0\r\n\r\n"
    )
    msg = parse_message(data)
    assert [v.host for v in msg.vias] == ["a.example.com", "b.example.com", "c.example.com"]
    assert msg.call_id == "x@y"
    assert msg.cseq.method == "REGISTER"
    assert [c.expires for c in msg.contacts] == [60, None, None]
    assert msg.contacts[1].q == 0.5
    assert msg.expires == 3600
    assert msg.headers.get_all("Supported") == ["path", "outbound"]
    assert msg.headers.items()[0][0] == "Via"
    assert isinstance(msg, Request) and check_request(msg) is None


def test_contact_star() -> None:
    data = invite().replace(b"Contact: <sip:1001@[2001:db8::20]:5062>", b"Contact: *")
    msg = parse_message(data)
    assert msg.contact_star and msg.contacts == []


def test_parse_response_and_reason_phrases() -> None:
    data = (
        b"SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        b"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    msg = parse_message(data)
    assert isinstance(msg, Response)
    assert (msg.status, msg.reason) == (486, "Busy Here")
    assert msg.to.tag == "2"
    assert check_response(msg) is None
    trying = parse_message(b"SIP/2.0 100 \r\nl: 0\r\n\r\n")
    assert isinstance(trying, Response) and trying.reason == ""
    assert REASON_PHRASES[487] == "Request Terminated"
    assert Response(499).reason == "Bad Request"  # unknown codes borrow their class's phrase


def test_round_trip_through_bytes() -> None:
    msg = parse_message(invite())
    again = parse_message(msg.to_bytes())
    assert isinstance(again, Request)
    assert again.headers.items() == msg.headers.items()
    assert again.body == msg.body
    assert again.to_bytes() == msg.to_bytes()


def test_to_bytes_sets_content_length_from_body() -> None:
    msg = parse_message(invite())
    msg.body = b"hello"
    assert b"\r\nContent-Length: 5\r\n" in msg.to_bytes()
    assert msg.to_bytes().endswith(b"\r\n\r\nhello")
    bare = Request.create("OPTIONS", "sip:example.com", [("Call-ID", "x")])
    assert (
        bare.to_bytes()
        == b"OPTIONS sip:example.com SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n"
    )


def test_body_framing_on_datagrams() -> None:
    # Without Content-Length the body is the rest of the datagram; with it, extra bytes go.
    no_length = invite(body=b"").replace(b"Content-Length: 0\r\n", b"") + b"rest"
    assert parse_message(no_length).body == b"rest"
    assert parse_message(invite() + b"garbage").body == SDP
    with pytest.raises(RemoteProtocolError, match="Content-Length"):
        parse_message(invite()[:-3])


def test_leading_crlf_and_bare_lf_are_tolerated() -> None:
    assert isinstance(parse_message(b"\r\n\r\n" + invite()), Request)
    lf = invite(body=b"").replace(b"\r\n", b"\n")
    assert parse_message(lf).call_id == "abc123@2001:db8::20"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "Empty message"),
        (b"\r\n\r\n", "Empty message"),
        (b"INVITE sip:a@b SIP/2.0\r\nVia: x", "Incomplete message"),
        (b"INVITE sip:a@b SIP/2.0\r\nNo colon here\r\n\r\n", "Bad header line"),
        (b"INVITE sip:a@b SIP/2.0\r\n folded first\r\n\r\n", "Bad header line"),
        (b"INVITE sip:a@b SIP/2.0\r\nSub ject: x\r\n\r\n", "Bad header line"),
        (b"INVITE sip:a@b SIP/2.0\r\nA: b\rc\r\n\r\n", "Bad line ending"),
        (b"INVITE <sip:a@b> SIP/2.0\r\n\r\n", "Bad Request-URI"),
        (b"INVITE sip:a@b HTTP/1.1\r\n\r\n", "Bad request line"),
        (b"SIP/2.0 2000 OK\r\n\r\n", "Bad status line"),
        (b"SIP/2.0 099 Low\r\n\r\n", "Bad status line"),
        (b"SIP/X 200 OK\r\n\r\n", "Bad status line"),
        (b"OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nl: 1\r\n\r\nx", "Multiple Content-Length headers"),
        (b"OPTIONS sip:a@b SIP/2.0\r\nl: -1\r\n\r\n", "Bad Content-Length header"),
    ],
)
def test_parse_errors_name_the_defect(data: bytes, reason: str) -> None:
    with pytest.raises(RemoteProtocolError) as caught:
        parse_message(data)
    assert caught.value.reason == reason
    assert caught.value.status_hint == 400


def test_size_limit() -> None:
    with pytest.raises(RemoteProtocolError) as caught:
        parse_message(invite(), max_size=100)
    assert caught.value.status_hint == 513
    assert caught.value.partial is not None
    assert caught.value.partial.response(513).call_id == "abc123@2001:db8::20"


def test_invalid_utf8_does_not_break_parsing_and_round_trips() -> None:
    data = invite(extra="Subject: x\r\n").replace(b"Subject: x", b"Subject: caf\xe9")
    msg = parse_message(data)
    assert msg.to_bytes() == data


def test_response_copies_the_right_headers() -> None:
    req = parse_message(invite(extra="Timestamp: 54\r\nSubject: hi\r\n"))
    assert isinstance(req, Request)
    ringing = req.response(180, to_tag="srv1")
    assert (ringing.status, ringing.reason) == (180, "Ringing")
    assert [n for n, _ in ringing.headers.items()] == [
        "Via", "Via", "From", "To", "Call-ID", "CSeq", "Record-Route",
    ]  # fmt: skip
    assert ringing.headers.values("Via") == req.headers.values("Via")
    assert ringing.to.tag == "srv1"
    assert ringing.from_.tag == "a1"

    trying = req.response(100)
    assert trying.to.tag is None
    assert trying.headers.get("Timestamp") == "54"
    assert "Record-Route" not in trying.headers

    busy = req.response(486, headers=[("Retry-After", "60")])
    assert "Record-Route" not in busy.headers
    assert busy.headers.get("Retry-After") == "60"
    assert "Record-Route" in req.response(486, record_route=True).headers

    # A To that already has a tag keeps it.
    again = parse_message(ringing.to_bytes())
    req.headers.set("To", str(again.to))
    assert req.response(200, to_tag="other").to.tag == "srv1"

    with pytest.raises(LocalProtocolError):
        req.response(99)


def test_create_request_and_set_top_via() -> None:
    req = Request.create(
        "OPTIONS",
        "sip:bob@example.com",
        [("Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK9"), ("Max-Forwards", "70")],
    )
    assert isinstance(req.uri, SipUri)
    via = req.top_via
    via.params["received"] = "198.51.100.7"
    via.params["rport"] = "40000"
    req.set_top_via(via)
    assert (
        req.headers.get("Via")
        == "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK9;received=198.51.100.7;rport=40000"
    )
    assert req.top_via.rport == 40000
    assert isinstance(Request.create("MESSAGE", "tel:+4681234").uri, AbsoluteUri)
    with pytest.raises(LocalProtocolError):
        Request.create("BAD METHOD", "sip:x")
    with pytest.raises(LocalProtocolError):
        Request.create("OPTIONS", "sip:")
    with pytest.raises(LocalProtocolError):
        Request.create("OPTIONS", "sip:x").set_top_via(Via("UDP", "h"))


def request_with(replace: tuple[bytes, bytes] = (b"", b""), extra: str = "") -> Request:
    data = invite(extra=extra)
    if replace[0]:
        data = data.replace(*replace)
    msg = parse_message(data)
    assert isinstance(msg, Request)
    return msg


@pytest.mark.parametrize(
    ("change", "extra", "expected"),
    [
        ((b"Call-ID: abc123@2001:db8::20\r\n", b""), "", (400, "Missing Call-ID header")),
        ((b"CSeq: 7 INVITE", b"CSeq: 7 BYE"), "", (400, "CSeq method does not match")),
        ((b"CSeq: 7 INVITE", b"CSeq: 2147483648 INVITE"), "", (400, "Bad CSeq header")),
        ((b" SIP/2.0\r\nVia", b" SIP/3.0\r\nVia"), "", (505, "Version Not Supported")),
        ((b"sip:1002@[2001:db8::10]", b"tel:1002"), "", (416, "Unsupported URI Scheme")),
        ((b"Max-Forwards: 70", b"Max-Forwards: 0"), "", (483, "Too Many Hops")),
        ((b"Max-Forwards: 70", b"Max-Forwards: 256"), "", (400, "Bad Max-Forwards header")),
        ((b"", b""), "Call-ID: second\r\n", (400, "Multiple Call-ID headers")),
        ((b"", b""), "Expires: soon\r\n", (400, "Bad Expires header")),
        ((b"Call-ID: abc123", b"Call-ID: abc 123"), "", (400, "Bad Call-ID header")),
        ((b"", b""), "Date: Sat, 13 Nov 2010 23:29:00 EST\r\n", (400, "Bad Date header")),
        ((b"", b""), "Route: sip:a@b?x=y\r\n", (400, "Bad Route header")),
    ],
)
def test_check_request(change: tuple[bytes, bytes], extra: str, expected: tuple[int, str]) -> None:
    rejection = check_request(request_with(change, extra))
    assert rejection is not None
    assert (rejection.status, rejection.reason) == expected


def test_call_ids_from_real_phones_are_opaque() -> None:
    req = request_with((b"Call-ID: abc123@2001:db8::20", b"Call-ID: MzQ1ZjE2NmE=@a@b"))
    assert req.call_id == "MzQ1ZjE2NmE=@a@b"
    assert check_request(req) is None


def test_check_request_extensions_and_media_types() -> None:
    req = request_with(extra="Require: 100rel, foo\r\n")
    assert check_request(req, supported={"100rel"}) == Rejection(
        420, "Bad Extension", (("Unsupported", "foo"),)
    )
    assert check_request(req, supported={"100rel", "foo"}) is None
    plain = request_with()
    assert check_request(plain, accept={"application/sdp"}) is None
    assert check_request(plain, accept={"text/plain"}) == Rejection(
        415, "Unsupported Media Type", (("Accept", "text/plain"),)
    )
    zero = request_with((b"Max-Forwards: 70", b"Max-Forwards: 0"))
    assert check_request(zero, forwarding=False) is None
