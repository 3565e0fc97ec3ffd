"""What the endpoint answers before the transaction user sees a request (issue 3): a sips:
Request-URI that did not come over TLS (416), and Max-Forwards 0 only on a request that would
be carried on to another hop (483); one addressed to us is processed (RFC 4475 §3.3.11)."""

from __future__ import annotations

import pytest

from vaxel.sip.endpoint import Endpoint, Peer, RequestReceived
from vaxel.sip.message import Request, Response, check_request, parse_message

PHONE = Peer("udp", "192.0.2.20", 5062)


def raw(method: str = "OPTIONS", uri: str = "sip:1002@example.com", hops: int = 70) -> bytes:
    return (
        f"{method} {uri} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bK-c1;rport\r\n"
        f"Max-Forwards: {hops}\r\n"
        "From: <sip:1001@example.com>;tag=a1\r\n"
        "To: <sip:1002@example.com>\r\n"
        "Call-ID: checks1\r\n"
        f"CSeq: 1 {method}\r\n"
        "Contact: <sip:1001@192.0.2.20:5062>\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def answer_of(endpoint: Endpoint) -> Response:
    (out,) = endpoint.take_outgoing()
    response = parse_message(out.data)
    assert isinstance(response, Response)
    return response


@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("method", ["INVITE", "OPTIONS", "REGISTER"])
def test_a_sips_request_uri_without_tls_is_refused_416(transport: str, method: str) -> None:
    """RFC 3261 §26.2.2: sips: asks for TLS on every hop up to the target's domain, so a
    request for one that reached us over UDP or TCP has already broken that promise, and we
    have no TLS to keep it onward. We do not support the scheme: 416 (§8.2.2.1), after which
    the caller may retry with sip: (§8.1.3.5), knowingly; never routed as if it were sip:."""
    endpoint = Endpoint()
    events = endpoint.receive(
        raw(method, "sips:1002@example.com"), Peer(transport, "192.0.2.20", 5062), 0.0
    )
    assert events == []
    response = answer_of(endpoint)
    assert response.status == 416
    assert "sips" in response.reason and "TLS" in response.reason


def test_sips_is_served_over_tls_and_sip_over_anything() -> None:
    endpoint = Endpoint()
    events = endpoint.receive(raw("OPTIONS", "sips:1002@example.com"), Peer("tls", "h", 5061), 0)
    assert [type(e) for e in events] == [RequestReceived]
    events = Endpoint().receive(raw("OPTIONS", "sip:sips%3Ax@example.com"), PHONE, 0.0)
    assert [type(e) for e in events] == [RequestReceived]
    request = parse_message(raw("OPTIONS", "sips:1002@example.com"))
    assert isinstance(request, Request)
    assert check_request(request) is None  # the default: the caller knows its transport
    rejection = check_request(request, sips=False)
    assert rejection is not None and rejection.status == 416


@pytest.mark.parametrize("method", ["OPTIONS", "REGISTER", "SUBSCRIBE", "FOOBAR"])
def test_max_forwards_zero_on_a_request_for_us_is_processed(method: str) -> None:
    """RFC 4475 §3.3.11: "An endpoint should process the request as if the Max-Forwards
    field value were still positive"; 483 is a proxy's answer (RFC 3261 §16.3 step 3)."""
    endpoint = Endpoint()
    events = endpoint.receive(raw(method, hops=0), PHONE, 0.0)
    assert [type(e) for e in events] == [RequestReceived]
    assert endpoint.take_outgoing() == []


def test_max_forwards_zero_on_an_invite_we_carry_on_is_483() -> None:
    """An INVITE becomes the B2BUA's INVITE to the callee with Max-Forwards one less (RFC
    7332 loop detection): with none left it goes no further."""
    endpoint = Endpoint()
    assert endpoint.receive(raw("INVITE", hops=0), PHONE, 0.0) == []
    response = answer_of(endpoint)
    assert (response.status, response.reason) == (483, "Too Many Hops")
    # An endpoint that carries nothing on (a plain user agent) processes it too.
    agent = Endpoint(forwards=())
    events = agent.receive(raw("INVITE", hops=0), PHONE, 0.0)
    assert [type(e) for e in events] == [RequestReceived]
