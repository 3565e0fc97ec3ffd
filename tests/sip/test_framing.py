"""StreamFramer: messages out of a TCP byte stream, by Content-Length."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.framing import StreamFramer
from vaxel.sip.message import parse_message


def message(body: bytes = b"", length: str | None = None, name: str = "Content-Length") -> bytes:
    size = str(len(body)) if length is None else length
    return (
        b"MESSAGE sip:bob@example.com SIP/2.0\r\n"
        b"Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
        b"Call-ID: c1\r\n" + f"{name}: {size}\r\n\r\n".encode() + body
    )


def test_whole_messages_in_one_feed() -> None:
    framer = StreamFramer()
    first, second = message(b"hello"), message(b"")
    assert framer.feed(first + second) == [first, second]
    assert framer.buffered == 0
    assert parse_message(first).body == b"hello"


def test_messages_split_at_every_byte() -> None:
    framer = StreamFramer()
    stream = message(b"one\r\n\r\ntwo") + message(b"x", name="l") + message(b"")
    out: list[bytes] = []
    for i in range(len(stream)):
        out += framer.feed(stream[i : i + 1])
    assert out == [message(b"one\r\n\r\ntwo"), message(b"x", name="l"), message(b"")]


def test_keepalives_are_skipped_and_pings_counted() -> None:
    framer = StreamFramer()
    assert framer.feed(b"\r\n\r\n") == []
    assert framer.pings == 1
    assert framer.feed(b"\r\n") == []  # maybe half a ping
    assert framer.feed(b"\r\n" + message()) == [message()]
    assert framer.pings == 1
    assert framer.feed(b"\r\n") == []  # a pong
    assert framer.feed(b"x") == []
    assert framer.pings == 0
    assert framer.buffered == 1


def test_missing_content_length_is_an_error_on_streams() -> None:
    framer = StreamFramer()
    data = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n"
    with pytest.raises(RemoteProtocolError, match="Missing Content-Length"):
        framer.feed(data)
    with pytest.raises(RemoteProtocolError):  # the stream stays broken
        framer.feed(message())


@pytest.mark.parametrize("length", ["-1", "abc", "99999999999", "1 2"])
def test_bad_content_length(length: str) -> None:
    with pytest.raises(RemoteProtocolError):
        StreamFramer().feed(message(b"", length=length))


def test_two_content_lengths() -> None:
    data = message(b"").replace(b"Call-ID", b"l: 0\r\nCall-ID")
    with pytest.raises(RemoteProtocolError, match="Multiple"):
        StreamFramer().feed(data)


def test_size_limit() -> None:
    framer = StreamFramer(max_size=200)
    with pytest.raises(RemoteProtocolError) as caught:
        framer.feed(message(b"x" * 500))
    assert caught.value.status_hint == 513
    endless = StreamFramer(max_size=200)
    with pytest.raises(RemoteProtocolError) as caught:
        endless.feed(b"OPTIONS sip:a@b SIP/2.0\r\n" + b"X: y\r\n" * 100)
    assert caught.value.status_hint == 513


def test_content_length_in_a_body_line_is_not_taken() -> None:
    body = b"Content-Length: 999\r\n"
    framer = StreamFramer()
    assert framer.feed(message(body)) == [message(body)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=12))
def test_random_chunks_fail_only_with_remote_protocol_error(chunks: list[bytes]) -> None:
    framer = StreamFramer(max_size=300)
    try:
        for chunk in chunks:
            for data in framer.feed(chunk):
                assert data.count(b"\r\n\r\n") >= 1
    except RemoteProtocolError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_any_chunking_gives_the_same_messages(sizes: list[int]) -> None:
    stream = b"\r\n\r\n" + message(b"abc") + b"\r\n" + message(b"") + message(b"x" * 50)
    framer = StreamFramer()
    out: list[bytes] = []
    pos = 0
    for size in sizes * (len(stream) // sum(sizes) + 1):
        out += framer.feed(stream[pos : pos + size])
        pos += size
    assert out == [message(b"abc"), message(b""), message(b"x" * 50)]
