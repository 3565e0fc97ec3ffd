"""The two error kinds and what a RemoteProtocolError carries for the answer."""

from __future__ import annotations

import pytest

from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError, SipError
from vaxel.sip.message import parse_message


def test_remote_error_defaults_to_400_with_reason() -> None:
    error = RemoteProtocolError("Bad CSeq header")
    assert isinstance(error, SipError)
    assert error.status_hint == 400
    assert error.reason == "Bad CSeq header"
    assert error.partial is None
    assert str(error) == "Bad CSeq header"


def test_remote_error_detail_goes_to_the_log_text_not_the_reason() -> None:
    error = RemoteProtocolError("Message Too Large", status_hint=513, detail="70000 bytes")
    assert error.status_hint == 513
    assert error.reason == "Message Too Large"
    assert "70000 bytes" in str(error)


def test_local_error_is_a_sip_error_but_not_remote() -> None:
    assert issubclass(LocalProtocolError, SipError)
    assert not issubclass(LocalProtocolError, RemoteProtocolError)


def test_broken_request_carries_a_partial_that_can_be_answered() -> None:
    data = (
        b"INVITE  sip:bob@example.com SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
        b"From: <sip:alice@example.com>;tag=a\r\n"
        b"To: <sip:bob@example.com>\r\n"
        b"Call-ID: c1\r\n"
        b"CSeq: 1 INVITE\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    with pytest.raises(RemoteProtocolError) as caught:
        parse_message(data)
    partial = caught.value.partial
    assert partial is not None
    answer = partial.response(400, caught.value.reason, to_tag="srv")
    assert answer.top_via.branch == "z9hG4bK1"
    assert answer.call_id == "c1"
    assert answer.to.tag == "srv"
    assert answer.reason == "Bad request line"
