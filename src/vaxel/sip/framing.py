"""Cutting a byte stream (TCP, TLS) into SIP messages by Content-Length (RFC 3261 §18.3)."""

from __future__ import annotations

import re

from vaxel.sip.errors import RemoteProtocolError

__all__ = ["StreamFramer"]

_CONTENT_LENGTH = re.compile(
    rb"^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.I | re.M
)


class StreamFramer:
    """Feed it the bytes of one connection; it hands back whole messages, each as bytes.

    Between messages, CRLFs are skipped: a double CRLF is a keep-alive ping (RFC 5626 §3.5.1)
    that the transport should answer with a single CRLF, so `pings` counts those seen by the
    last feed(). On a stream every message needs Content-Length. A RemoteProtocolError leaves
    the stream unusable (there is no way to find the next message): close the connection.
    """

    def __init__(self, max_size: int = 65536) -> None:
        self.max_size = max_size
        self.pings = 0
        self._buffer = bytearray()
        self._broken: RemoteProtocolError | None = None

    @property
    def buffered(self) -> int:
        """Bytes held back, waiting for the rest of a message."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the messages they complete (possibly none)."""
        if self._broken is not None:
            raise self._broken
        try:
            return self._feed(data)
        except RemoteProtocolError as exc:
            self._broken = exc
            self._buffer.clear()
            raise

    def _feed(self, data: bytes) -> list[bytes]:
        buffer = self._buffer
        buffer += data
        self.pings = 0
        messages: list[bytes] = []
        while True:
            self._skip_keepalives()
            if not buffer or b"\r\n\r\n".startswith(buffer):
                break  # nothing, or the start of a keep-alive still arriving
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > self.max_size:
                    raise RemoteProtocolError("Message Too Large", status_hint=513)
                break
            total = end + 4 + self._content_length(bytes(buffer[:end]))
            if total > self.max_size:
                raise RemoteProtocolError("Message Too Large", status_hint=513)
            if len(buffer) < total:
                break
            messages.append(bytes(buffer[:total]))
            del buffer[:total]
        return messages

    def _skip_keepalives(self) -> None:
        buffer = self._buffer
        start = 0
        while buffer.startswith(b"\r\n", start):
            if buffer.startswith(b"\r\n\r\n", start):
                self.pings += 1
                start += 4
            elif len(buffer) - start < 4 and b"\r\n\r\n".startswith(buffer[start:]):
                break  # maybe half a ping: wait for the rest
            else:
                start += 2  # a single CRLF: a pong, or stray line ending
        if start:
            del buffer[:start]

    @staticmethod
    def _content_length(head: bytes) -> int:
        values = _CONTENT_LENGTH.findall(head, head.find(b"\r\n") + 2)
        if not values:
            raise RemoteProtocolError("Missing Content-Length header", detail="required on streams")
        if len(values) > 1:
            raise RemoteProtocolError("Multiple Content-Length headers")
        value = values[0]
        if not value.isdigit() or len(value) > 10:
            raise RemoteProtocolError("Bad Content-Length header", detail=repr(value[:20]))
        return int(value)
