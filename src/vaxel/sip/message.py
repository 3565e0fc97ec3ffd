"""SIP requests and responses: parse from bytes, typed header views, serialise to bytes.

parse_message() does the framing work eagerly (start line, header lines, Content-Length, body)
and leaves header values as text; the typed accessors (vias, cseq, from_ …) parse on first use
and cache until the headers change. check_request() then says how to answer a request that
parsed but must not be processed (the RFC 3261 §8.2 checks), so the caller can reply with it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TypeVar

from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.headers import (
    EXACT_NAMES,
    KNOWN_NAMES,
    CSeq,
    Headers,
    NameAddr,
    Via,
    header_line,
    is_token,
    parse_delta_seconds,
    parse_media_type,
    split_header_values,
)
from vaxel.sip.uri import AbsoluteUri, SipUri, parse_uri

__all__ = [
    "REASON_PHRASES",
    "Headers",
    "Rejection",
    "Request",
    "Response",
    "SipMessage",
    "check_request",
    "check_response",
    "parse_message",
]

T = TypeVar("T")

SIP_VERSION = "SIP/2.0"
_VERSION_RE = re.compile(r"SIP/[0-9]{1,3}\.[0-9]{1,3}")
# RFC 3261 allows word["@"word]; real phones also put "=" (base64) or more than one "@" in
# Call-IDs, so anything visible without whitespace is taken as an opaque identifier.
_CALL_ID_RE = re.compile(r"[!-~\x80-\U0010ffff]+")
_DATE_RE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"
)
# Keys the To tags made up for responses that were given none (Request.default_tag).
_TAG_KEY = secrets.token_bytes(16)
# Requests that create a dialog: their 1xx/2xx responses carry the Record-Route set back.
DIALOG_CREATING = frozenset({"INVITE", "SUBSCRIBE", "REFER", "NOTIFY"})
# Headers that a request may carry at most once (RFC 3261 §7.3.1; the lists may repeat).
_SINGLE = tuple(
    (name, name.lower())
    for name in ("From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Type", "Expires")
)
# Headers every request and response must have (RFC 3261 §8.1.1), with their lookup keys.
_MANDATORY = tuple((name, name.lower()) for name in ("Via", "From", "To", "Call-ID", "CSeq"))
# Headers a response copies from its request (§8.2.6.2), by whether Record-Route and
# Timestamp go along too.
_COPIED = {
    (record_route, timestamp): frozenset(
        {"via", "from", "call-id", "cseq"}
        | ({"record-route"} if record_route else set())
        | ({"timestamp"} if timestamp else set())
    )
    for record_route in (False, True)
    for timestamp in (False, True)
}

REASON_PHRASES: dict[int, str] = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
    183: "Session Progress", 199: "Early Dialog Terminated", 200: "OK", 202: "Accepted",
    204: "No Notification", 300: "Multiple Choices", 301: "Moved Permanently",
    302: "Moved Temporarily", 305: "Use Proxy", 380: "Alternative Service", 400: "Bad Request",
    401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
    408: "Request Timeout", 410: "Gone", 412: "Conditional Request Failed",
    413: "Request Entity Too Large", 414: "Request-URI Too Long", 415: "Unsupported Media Type",
    416: "Unsupported URI Scheme", 417: "Unknown Resource-Priority", 420: "Bad Extension",
    421: "Extension Required", 422: "Session Interval Too Small", 423: "Interval Too Brief",
    428: "Use Identity Header", 429: "Provide Referrer Identity", 433: "Anonymity Disallowed",
    436: "Bad Identity-Info", 437: "Unsupported Certificate", 438: "Invalid Identity Header",
    439: "First Hop Lacks Outbound Support", 470: "Consent Needed",
    480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
    482: "Loop Detected", 483: "Too Many Hops", 484: "Address Incomplete", 485: "Ambiguous",
    486: "Busy Here", 487: "Request Terminated", 488: "Not Acceptable Here",
    489: "Bad Event", 491: "Request Pending", 493: "Undecipherable",
    494: "Security Agreement Required", 500: "Server Internal Error", 501: "Not Implemented",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Server Time-out",
    505: "Version Not Supported", 513: "Message Too Large", 580: "Precondition Failure",
    600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere",
    606: "Not Acceptable", 607: "Unwanted",
}  # fmt: skip


def _reason_for(status: int) -> str:
    return REASON_PHRASES.get(status) or REASON_PHRASES.get(status // 100 * 100, "Unknown")


class SipMessage:
    """What requests and responses share: headers, body and the typed header views."""

    __slots__ = ("body", "headers", "version")

    def __init__(
        self,
        headers: Headers | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        version: str = SIP_VERSION,
    ) -> None:
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = body
        self.version = version

    def start_line(self) -> str:
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """The message on the wire, with Content-Length set from the body."""
        length = str(len(self.body))
        lines = [self.start_line()]
        placed = False
        headers = self.headers
        for name, key, value in zip(headers._names, headers._keys, headers._values, strict=True):
            if key == "content-length":
                if not placed:
                    lines.append(f"Content-Length: {length}")
                    placed = True
            else:
                lines.append(f"{name}: {value}")
        if not placed:
            lines.append(f"Content-Length: {length}")
        lines += ["", ""]
        return "\r\n".join(lines).encode("utf-8", "surrogateescape") + self.body

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    # -- typed views, parsed on first use ------------------------------------------------------
    # Each view is cached in the Headers (dropped when they change). The look-up is written
    # out in every property rather than shared through a helper: these run several times per
    # message, and a closure plus two calls per access showed in the profile.

    def _keep(self, slot: str, value: T) -> T:
        self.headers._cache[slot] = value
        return value

    def _required(self, name: str, key: str | None = None) -> str:
        value = self.headers.first(key) if key is not None else self.headers.get(name)
        if value is None:
            raise RemoteProtocolError(f"Missing {name} header")
        return value

    def _name_addrs(self, name: str) -> list[NameAddr]:
        lines = self.headers.values(name)
        return [_name_addr(name, item) for line in lines for item in split_header_values(line)]

    @property
    def vias(self) -> list[Via]:
        """Every Via, top first."""
        try:
            return self.headers._cache["vias"]
        except KeyError:
            return self._keep("vias", self._parse_vias())

    def _parse_vias(self) -> list[Via]:
        vias: list[Via] = []
        top = self.headers._cache.get("top_via")
        for line in self.headers.values("Via"):
            items = split_header_values(line)
            if top is not None and not vias and items[0]:
                vias.append(top)  # parsed already, from the same text
                items = items[1:]
            for item in items:
                if not item:
                    raise RemoteProtocolError("Bad Via header", detail="empty list item")
                vias.append(Via.parse(item))
        return vias

    @property
    def top_via(self) -> Via:
        """The first Via (parsed alone, without the rest)."""
        cache = self.headers._cache
        try:
            return cache["top_via"]
        except KeyError:
            vias = cache.get("vias")
            if vias:
                return self._keep("top_via", vias[0])
            return self._keep("top_via", self._parse_top_via())

    def _parse_top_via(self) -> Via:
        return Via.parse(split_header_values(self._required("Via", "via"))[0])

    def set_top_via(self, via: Via) -> None:
        """Replace the first Via entry (as when stamping received/rport on it).

        The message keeps `via` as its parsed top Via: change it only through this method.
        """
        headers = self.headers
        if "via" not in headers._keys:
            raise LocalProtocolError("message has no Via to replace")
        index = headers._keys.index("via")
        value = headers._values[index]
        rest = split_header_values(value)[1:] if "," in value else []
        cache = dict(headers._cache)
        headers.replace_at(index, ", ".join([str(via), *rest]) if rest else str(via))
        cache.pop("vias", None)  # the other views stand: no other header changed
        cache["top_via"] = via
        headers._cache.update(cache)

    def push_via(self, via: Via) -> None:
        """Put `via` on top of the Vias (a request we send gets ours) and keep it as the
        parsed top Via: change it only through set_top_via."""
        headers = self.headers
        headers.prepend("Via", str(via))
        headers._cache["top_via"] = via

    @property
    def call_id(self) -> str:
        try:
            return self.headers._cache["call_id"]
        except KeyError:
            return self._keep("call_id", self._parse_call_id())

    def _parse_call_id(self) -> str:
        value = self._required("Call-ID", "call-id")
        if _CALL_ID_RE.fullmatch(value) is None:
            raise RemoteProtocolError("Bad Call-ID header", detail=repr(value[:200]))
        return value

    @property
    def cseq(self) -> CSeq:
        try:
            return self.headers._cache["cseq"]
        except KeyError:
            return self._keep("cseq", CSeq.parse(self._required("CSeq", "cseq")))

    @property
    def from_(self) -> NameAddr:
        try:
            return self.headers._cache["from"]
        except KeyError:
            return self._keep("from", _name_addr("From", self._required("From", "from")))

    @property
    def to(self) -> NameAddr:
        try:
            return self.headers._cache["to"]
        except KeyError:
            return self._keep("to", _name_addr("To", self._required("To", "to")))

    # The name-addr lists are kept as tuples (no header at all, the usual case for Route and
    # Record-Route, is then the shared empty tuple: no object kept per message) and handed
    # out as new lists, so a caller's list is its own.

    @property
    def contacts(self) -> list[NameAddr]:
        """Every Contact as a name-addr; empty for none and for "Contact: *"."""
        try:
            return list(self.headers._cache["contacts"])
        except KeyError:
            return list(self._keep("contacts", self._parse_contacts()))

    def _parse_contacts(self) -> tuple[NameAddr, ...]:
        if self.contact_star:
            return ()
        return tuple(self._name_addrs("Contact"))

    @property
    def contact_star(self) -> bool:
        """True for "Contact: *" (remove all bindings), which must then stand alone."""
        lines = self.headers.values("Contact")
        if not any(line.strip(" \t") == "*" for line in lines):
            return False
        if len(lines) != 1:
            raise RemoteProtocolError("Bad Contact header", detail="* among other contacts")
        return True

    @property
    def max_forwards(self) -> int | None:
        try:
            return self.headers._cache["max_forwards"]
        except KeyError:
            return self._keep("max_forwards", self._parse_max_forwards())

    def _parse_max_forwards(self) -> int | None:
        value = self.headers.first("max-forwards")
        if value is None:
            return None
        hops = parse_delta_seconds(value)
        if hops is None or hops > 255:
            raise RemoteProtocolError("Bad Max-Forwards header", detail=repr(value[:200]))
        return hops

    @property
    def expires(self) -> int | None:
        """The Expires header in seconds (saturating at 2**32-1), or None if absent."""
        try:
            return self.headers._cache["expires"]
        except KeyError:
            return self._keep("expires", self._parse_expires())

    def _parse_expires(self) -> int | None:
        value = self.headers.first("expires")
        if value is None:
            return None
        seconds = parse_delta_seconds(value)
        if seconds is None:
            raise RemoteProtocolError("Bad Expires header", detail=repr(value[:200]))
        return seconds

    @property
    def routes(self) -> list[NameAddr]:
        try:
            return list(self.headers._cache["routes"])
        except KeyError:
            return list(self._keep("routes", tuple(self._name_addrs("Route"))))

    @property
    def record_routes(self) -> list[NameAddr]:
        try:
            return list(self.headers._cache["record_routes"])
        except KeyError:
            return list(self._keep("record_routes", tuple(self._name_addrs("Record-Route"))))

    @property
    def content_type(self) -> str | None:
        """The media type of the body ("application/sdp", lower-case, no parameters)."""
        try:
            return self.headers._cache["content_type"]
        except KeyError:
            return self._keep("content_type", self._parse_content_type())

    def _parse_content_type(self) -> str | None:
        value = self.headers.first("content-type")
        if value is None:
            return None
        try:
            return parse_media_type(value)[0]
        except RemoteProtocolError as exc:
            raise RemoteProtocolError("Bad Content-Type header", detail=exc.detail) from None

    def validate(self) -> None:
        """Parse every typed view once, raising RemoteProtocolError for the first bad header."""
        self.vias, self.call_id, self.cseq, self.from_, self.to  # noqa: B018
        self.contacts, self.max_forwards, self.expires, self.routes  # noqa: B018
        self.record_routes, self.content_type  # noqa: B018
        date = self.headers.first("date")
        if date is not None and _DATE_RE.fullmatch(date) is None:
            raise RemoteProtocolError("Bad Date header", detail=repr(date[:200]))


def _name_addr(header: str, value: str) -> NameAddr:
    try:
        return NameAddr.parse(value)
    except RemoteProtocolError as exc:
        raise RemoteProtocolError(f"Bad {header} header", detail=exc.detail) from None


class Request(SipMessage):
    """A SIP request: method, Request-URI, headers, body."""

    __slots__ = ("method", "uri")

    def __init__(
        self,
        method: str,
        uri: SipUri | AbsoluteUri,
        headers: Headers | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        version: str = SIP_VERSION,
    ) -> None:
        super().__init__(headers, body, version)
        self.method = method
        self.uri = uri

    @classmethod
    def create(
        cls,
        method: str,
        uri: SipUri | AbsoluteUri | str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> Request:
        """Build a request to send; the caller supplies Via, From, To, Call-ID, CSeq and so on."""
        if not is_token(method):
            raise LocalProtocolError(f"bad method {method!r}")
        if isinstance(uri, str):
            try:
                uri = parse_uri(uri)
            except RemoteProtocolError as exc:
                raise LocalProtocolError(str(exc)) from None
        return cls(method, uri, Headers(headers), body)

    def start_line(self) -> str:
        return f"{self.method} {self.uri} {self.version}"

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.uri}>"

    def response(
        self,
        status: int,
        reason: str | None = None,
        to_tag: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        *,
        record_route: bool | None = None,
    ) -> Response:
        """A response to this request (RFC 3261 §8.2.6.2).

        Copies every Via in order, From, To (adding to_tag unless it has a tag; without
        to_tag, default_tag() on all but 100), Call-ID and CSeq, and Timestamp on 100.
        Record-Route is copied when record_route is True, or when it is None (the default)
        and this is a 1xx/2xx to a dialog-creating request.
        """
        if not 100 <= status <= 699:
            raise LocalProtocolError(f"status {status} out of range")
        if record_route is None:
            record_route = 100 < status < 300 and self.method in DIALOG_CREATING
        copied = _COPIED[bool(record_route), status == 100]
        mine = self.headers
        names: list[str] = []
        keys: list[str] = []
        values: list[str] = []
        for name, key, value in zip(mine._names, mine._keys, mine._values, strict=True):
            if key in copied:
                pass
            elif key == "to":
                if (to_tag is not None or status != 100) and not self._to_has_tag(value):
                    value = f"{value};tag={to_tag or self.default_tag()}"
            else:
                continue
            names.append(name)
            keys.append(key)
            values.append(value)
        for name, value in headers:
            name, key, value = header_line(name, value)
            names.append(name)
            keys.append(key)
            values.append(value)
        answer = Headers._from_columns(names, keys, values)
        return Response(status, reason or _reason_for(status), answer, body)

    def default_tag(self) -> str:
        """The To tag of a response to this request that was given none (§8.2.6.2: every
        response but 100 has one): the same for every such response to this request and to
        a CANCEL of it (§8.2.7, §9.2), and unguessable (§19.3: keyed, 64 bits)."""
        try:
            seed = f"{self.top_via.branch}\0{self.call_id}\0{self.from_.tag}\0{self.cseq.seq}"
        except RemoteProtocolError:  # a broken request, answered 400: its raw headers then
            get = self.headers.first
            seed = "\0".join(get(key) or "" for key in ("via", "call-id", "from", "cseq"))
        data = seed.encode("utf-8", "surrogateescape")
        return hashlib.blake2s(data, key=_TAG_KEY, digest_size=8).hexdigest()

    def _to_has_tag(self, raw: str) -> bool:
        try:
            return self.to.tag is not None
        except RemoteProtocolError:
            return re.search(r";[ \t]*tag[ \t]*=", raw, re.IGNORECASE) is not None


class Response(SipMessage):
    """A SIP response: status code, reason phrase, headers, body."""

    __slots__ = ("reason", "status")

    def __init__(
        self,
        status: int,
        reason: str | None = None,
        headers: Headers | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        version: str = SIP_VERSION,
    ) -> None:
        super().__init__(headers, body, version)
        self.status = status
        self.reason = _reason_for(status) if reason is None else reason

    def start_line(self) -> str:
        return f"{self.version} {self.status} {self.reason}"

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason}>"


# -- parsing ---------------------------------------------------------------------------------


def parse_message(data: bytes, *, max_size: int | None = None) -> Request | Response:
    """Parse one message from a datagram or from StreamFramer.

    Leading CRLFs (keep-alives) are skipped. Without Content-Length the body is the rest of
    the data; with it, the body is that many bytes and anything after them is ignored
    (RFC 3261 §18.3). Raises RemoteProtocolError whose reason names the defect and whose
    `partial` lets the caller address a 400 (or 513, past max_size) to a broken request.
    """
    if max_size is not None and len(data) > max_size:
        too_large = RemoteProtocolError("Message Too Large", status_hint=513)
        try:
            whole: Request | Response | None = parse_message(data)
        except RemoteProtocolError as exc:
            whole = exc.partial
        too_large.partial = whole if isinstance(whole, Request) else None
        raise too_large
    start = 0
    while data.startswith(b"\r\n", start):
        start += 2
    end = data.find(b"\r\n\r\n", start)
    if end >= 0:
        head = data[start:end].decode("utf-8", "surrogateescape")
        body_start = end + 4
        lines = head.split("\r\n")
        if head.count("\n") != len(lines) - 1 or head.count("\r") != len(lines) - 1:
            raise RemoteProtocolError("Bad line ending", detail="CR or LF alone in the header")
    else:
        # Some implementations send bare LF; accept it when it is used throughout.
        end = data.find(b"\n\n", start)
        if end < 0:
            if start == len(data):
                raise RemoteProtocolError("Empty message")
            raise RemoteProtocolError("Incomplete message", detail="no blank line after headers")
        head = data[start:end].decode("utf-8", "surrogateescape")
        body_start = end + 2
        if "\r" in head:
            raise RemoteProtocolError("Bad line ending", detail="mixed CRLF and LF")
        lines = head.split("\n")

    errors: list[RemoteProtocolError] = []
    headers = _parse_header_lines(lines, errors, "\n " in head or "\n\t" in head)
    message = _parse_start_line(lines[0], headers, errors)
    if not errors:
        body = _take_body(data, body_start, headers, errors)
        if not errors and message is not None:
            message.body = body
            return message
    error = errors[0]
    if isinstance(message, Request):
        error.partial = message
    raise error


def _parse_header_lines(
    lines: list[str], errors: list[RemoteProtocolError], folded: bool = True
) -> Headers:
    exact = EXACT_NAMES.get
    if not folded:
        # No folding (the usual case): each line is "Name: value", most names spelled as we
        # spell them; anything else takes the general path below.
        names: list[str] = []
        keys: list[str] = []
        values: list[str] = []
        for index in range(1, len(lines)):
            name, colon, value = lines[index].partition(":")
            known = exact(name)
            if known is None or not colon:
                return Headers._from_parsed(_parse_header_lines_slowly(lines, errors))
            names.append(known[0])
            keys.append(known[1])
            values.append(value.strip(" \t"))
        return Headers._from_columns(names, keys, values)
    return Headers._from_parsed(_parse_header_lines_slowly(lines, errors))


def _parse_header_lines_slowly(
    lines: list[str], errors: list[RemoteProtocolError]
) -> list[tuple[str, str, str]]:
    items: list[tuple[str, str, str]] = []
    exact = EXACT_NAMES.get
    for index in range(1, len(lines)):
        line = lines[index]
        if line[:1] in (" ", "\t"):
            # Folding (RFC 3261 §7.3.1): the line break and its whitespace count as one space.
            if not items:
                errors.append(RemoteProtocolError("Bad header line", detail="starts folded"))
                continue
            name, key, value = items[-1]
            more = line.strip(" \t")
            items[-1] = (name, key, f"{value} {more}" if value and more else value or more)
            continue
        name, colon, value = line.partition(":")
        known = exact(name)  # most names come spelled as we write them: no lower() needed
        if known is None:
            name = name.rstrip(" \t")
            known = KNOWN_NAMES.get(name.lower())
            if known is None and colon and is_token(name):
                known = (name, name.lower())
        if not colon or known is None:
            errors.append(RemoteProtocolError("Bad header line", detail=repr(line[:100])))
            continue
        items.append((known[0], known[1], value.strip(" \t")))
    return items


def _parse_start_line(
    line: str, headers: Headers, errors: list[RemoteProtocolError]
) -> Request | Response | None:
    if line.startswith("SIP/"):
        version, _, rest = line.partition(" ")
        code, _, reason = rest.partition(" ")
        if not _VERSION_RE.fullmatch(version):
            errors.insert(0, RemoteProtocolError("Bad status line", detail="bad version"))
            return None
        if len(code) != 3 or not code.isdigit() or code[0] not in "123456" or not code.isascii():
            errors.insert(0, RemoteProtocolError("Bad status line", detail=f"status {code[:20]!r}"))
            return None
        return Response(int(code), reason, headers, b"", version)
    parts = line.split(" ")
    method = parts[0] if parts and is_token(parts[0]) else "UNKNOWN"
    uri: SipUri | AbsoluteUri = AbsoluteUri("invalid", "")
    if len(parts) != 3 or not is_token(parts[0]) or not _VERSION_RE.fullmatch(parts[2]):
        errors.insert(0, RemoteProtocolError("Bad request line", detail=repr(line[:200])))
    else:
        try:
            uri = parse_uri(parts[1])
        except RemoteProtocolError as exc:
            errors.insert(0, RemoteProtocolError("Bad Request-URI", detail=exc.detail))
    return Request(method, uri, headers, b"", parts[2] if len(parts) == 3 else SIP_VERSION)


def _take_body(
    data: bytes, body_start: int, headers: Headers, errors: list[RemoteProtocolError]
) -> bytes:
    lengths = headers._keys.count("content-length")
    if not lengths:
        return data[body_start:]
    if lengths > 1:
        errors.append(RemoteProtocolError("Multiple Content-Length headers"))
        return b""
    length = headers._values[headers._keys.index("content-length")]
    if not length.isdigit() or not length.isascii() or len(length) > 10:
        errors.append(RemoteProtocolError("Bad Content-Length header", detail=repr(length[:20])))
        return b""
    size = int(length)
    if body_start + size > len(data):
        errors.append(
            RemoteProtocolError("Bad Content-Length header", detail="longer than the message")
        )
        return b""
    return data[body_start : body_start + size]


# -- checks before processing ------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """How to refuse a request: status, reason phrase, and headers the response must carry."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...] = ()


def check_request(
    request: Request,
    *,
    supported: Collection[str] = (),
    accept: Collection[str] | None = None,
    forwarding: bool = True,
    sips: bool = True,
) -> Rejection | None:
    """What to answer instead of processing this request, or None if it may be processed.

    In RFC 3261 §8.2 order: version (505), mandatory and single headers and their syntax (400),
    CSeq method (400), URI scheme (416; sips: too unless `sips`, i.e. it came over TLS),
    Max-Forwards 0 when forwarding (483), Require options not in `supported` (420, with
    Unsupported), and, if `accept` lists media types, a body of another type (415, with
    Accept). ACK gets no Require or body check (it cannot be answered).
    """
    rejection = _check_message(request)
    if rejection is not None:
        return rejection
    headers = request.headers
    if request.cseq.method != request.method:
        return Rejection(400, "CSeq method does not match")
    uri = request.uri
    if not isinstance(uri, SipUri):
        return Rejection(416, "Unsupported URI Scheme")
    if not sips and uri.scheme == "sips":
        # §26.2.2: TLS on every hop to the target's domain; this one was not, and we cannot
        # promise the next ones. §8.1.3.5: the caller may retry with sip:, knowingly.
        return Rejection(416, "Unsupported URI Scheme (sips: needs TLS)")
    if uri.headers:
        return Rejection(400, "Request-URI with headers")
    if forwarding and request.max_forwards == 0:
        return Rejection(483, "Too Many Hops")
    if request.method in ("ACK", "CANCEL"):
        return None
    unknown = [tag for tag in headers.get_all("Require") if tag not in supported]
    if unknown:
        return Rejection(420, "Bad Extension", (("Unsupported", ", ".join(unknown)),))
    if accept is not None and request.body and request.method != "ACK":
        kind = request.content_type
        if kind is None or kind not in accept:
            return Rejection(415, "Unsupported Media Type", (("Accept", ", ".join(accept)),))
    return None


def check_response(response: Response) -> Rejection | None:
    """None if a response is fit to be matched to a transaction; else what is wrong with it.

    Responses are never answered; a caller drops the message and may log the Rejection.
    """
    return _check_message(response)


def _check_message(message: SipMessage) -> Rejection | None:
    """Version, then the mandatory headers present, single ones once, and every one parsable."""
    if message.version != SIP_VERSION:
        return Rejection(505, "Version Not Supported")
    keys = message.headers.keys()  # one pass over the headers; list.count and `in` run in C
    for name, key in _MANDATORY:
        if key not in keys:
            return Rejection(400, f"Missing {name} header")
    for name, key in _SINGLE:
        if keys.count(key) > 1:
            return Rejection(400, f"Multiple {name} headers")
    try:
        message.validate()
    except RemoteProtocolError as exc:
        return Rejection(exc.status_hint, exc.reason)
    return None
