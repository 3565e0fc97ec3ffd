"""Header names and the structured header values: Via, name-addr (From/To/Contact/Route), CSeq."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.uri import AbsoluteUri, SipUri, parse_uri

__all__ = [
    "COMPACT_FORMS",
    "LIST_HEADERS",
    "CSeq",
    "Headers",
    "NameAddr",
    "Via",
    "canonical_name",
    "header_key",
    "header_line",
    "is_token",
    "parse_media_type",
    "parse_params",
    "quote_string",
    "split_header_values",
    "unquote_string",
]

_CANONICAL = [
    "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow",
    "Allow-Events", "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact",
    "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
    "Content-Type", "CSeq", "Date", "Error-Info", "Event", "Expires", "From", "History-Info",
    "Identity", "Identity-Info", "In-Reply-To", "Max-Forwards", "MIME-Version", "Min-Expires",
    "Min-SE", "Organization", "P-Asserted-Identity", "P-Preferred-Identity", "Path", "Priority",
    "Privacy", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Require", "RAck", "Reason",
    "Record-Route", "Refer-To", "Referred-By", "Reject-Contact", "Replaces", "Reply-To",
    "Request-Disposition", "Require", "Retry-After", "Route", "RSeq", "Security-Client",
    "Security-Server", "Security-Verify", "Server", "Service-Route", "Session-Expires",
    "SIP-ETag", "SIP-If-Match", "Subject", "Subscription-State", "Supported", "Timestamp", "To",
    "Unsupported", "User-Agent", "Via", "Warning", "WWW-Authenticate", "Diversion",
]  # fmt: skip

# RFC 3261 §7.3.3 plus RFC 3265 (o, u), 3515 (r), 3892 (b), 4028 (x), 4474 (y, n), 3841 (a, j, d).
COMPACT_FORMS: dict[str, str] = {
    "i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
    "c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To", "v": "Via",
    "o": "Event", "u": "Allow-Events", "r": "Refer-To", "b": "Referred-By",
    "x": "Session-Expires", "y": "Identity", "n": "Identity-Info", "a": "Accept-Contact",
    "j": "Reject-Contact", "d": "Request-Disposition",
}  # fmt: skip

# Headers whose values are comma-separated lists (RFC 3261 §7.3.1). Everything else, notably
# the authentication headers, Date, and unknown extension headers, is never split.
LIST_HEADERS = frozenset(
    name.lower()
    for name in (
        "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow",
        "Allow-Events", "Call-Info", "Contact", "Content-Encoding", "Content-Language",
        "Error-Info", "History-Info", "In-Reply-To", "P-Asserted-Identity",
        "P-Preferred-Identity", "Path", "Proxy-Require", "Reason", "Record-Route",
        "Reject-Contact", "Request-Disposition", "Require", "Route", "Security-Client",
        "Security-Server", "Security-Verify", "Service-Route", "Supported", "Unsupported", "Via",
        "Warning", "Diversion",
    )
)  # fmt: skip

# lower-case spelling (long or compact) -> (canonical spelling, lookup key)
KNOWN_NAMES: dict[str, tuple[str, str]] = {n.lower(): (n, n.lower()) for n in _CANONICAL}
KNOWN_NAMES.update({short: (name, name.lower()) for short, name in COMPACT_FORMS.items()})
_NAMES = KNOWN_NAMES
# The same for the spellings seen most (canonical, lower, upper, compact in either case), so
# the parser and the look-ups skip lower() for them; anything else goes through KNOWN_NAMES.
EXACT_NAMES: dict[str, tuple[str, str]] = {}
for _lower, _known in KNOWN_NAMES.items():
    for _spelling in (_lower, _lower.upper(), _known[0]):
        EXACT_NAMES[_spelling] = _known
# header name as the code spells it ("Via", "call-id", "v") -> lookup key
_KEYS: dict[str, str] = {spelling: known[1] for spelling, known in EXACT_NAMES.items()}

_TOKEN_CHARS = r"A-Za-z0-9\-.!%*_+`'~"
_TOKEN = rf"[{_TOKEN_CHARS}]+"
_TOKEN_RE = re.compile(_TOKEN)
# A quoted-string, "unrolled": the same strings as "(?:[^"\\]|\\.)*", matched in runs.
_QUOTED = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_QUOTED_RE = re.compile(_QUOTED, re.DOTALL)
_PVALUE = rf"(?:{_QUOTED}|[{_TOKEN_CHARS}:\[\]]+)"
_PARAM = rf"[ \t]*;[ \t]*({_TOKEN})(?:[ \t]*=[ \t]*({_PVALUE}))?"
_PARAMS_RE = re.compile(rf"(?:{_PARAM})*[ \t]*", re.DOTALL)
_PARAM_RE = re.compile(_PARAM, re.DOTALL)
_HOST = r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_\-.]+"
_VIA_RE = re.compile(
    rf"[ \t]*({_TOKEN})[ \t]*/[ \t]*({_TOKEN})[ \t]*/[ \t]*({_TOKEN})[ \t]+({_HOST})"
    rf"(?:[ \t]*:[ \t]*([0-9]{{1,5}}))?(.*)",
    re.DOTALL,
)
# Unquoted display names are tokens; non-ASCII letters are tolerated too ("Åsa Öberg <sip:…>"),
# as some gateways send them, while a comma or quote still marks the value as broken.
_WORD = rf"[{_TOKEN_CHARS}\x80-\U0010ffff]+"
_DISPLAY_RE = re.compile(rf"{_WORD}(?:[ \t]+{_WORD})*")
_Q_RE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
_DIGITS_RE = re.compile(r"[0-9]+")
_CSEQ_RE = re.compile(rf"[ \t]*([0-9]{{1,10}})[ \t]+({_TOKEN})[ \t]*")

MAX_DELTA_SECONDS = 2**32 - 1

# Parsed Via and name-addr values by their text. The same text comes back within a
# transaction and a dialog (a response carries its request's Via; From and To repeat in every
# request and response of a dialog). Via and NameAddr are mutable, so what is kept are their
# parts, and every parse returns a new object with a copy of the params. The params are kept
# as a dict of strings, which the garbage collector never tracks. Bounded like uri.parse_uri's.
_MEMO_MAX = 4096
_MEMO_MAX_TEXT = 512
_VIA_PARSED: dict[str, tuple[str, str, int | None, dict[str, str | None]]] = {}
_NAME_ADDR_PARSED: dict[str, tuple[str | None, SipUri | AbsoluteUri, dict[str, str | None]]] = {}
_CSEQ_PARSED: dict[str, CSeq] = {}


def _remember(memo: dict[str, Any], text: str, parts: Any) -> None:
    if len(text) <= _MEMO_MAX_TEXT:
        if len(memo) >= _MEMO_MAX:
            memo.clear()  # crude, but atomic (a worker thread may parse too) and rare
        memo[text] = parts


T = TypeVar("T")


def canonical_name(name: str) -> str:
    """The usual spelling of a header name ("v" and "VIA" -> "Via"); unknown names unchanged."""
    known = _NAMES.get(name.lower())
    return known[0] if known else name


def header_key(name: str) -> str:
    """The case-insensitive lookup key of a header name, with compact forms resolved."""
    key = _KEYS.get(name)
    if key is not None:
        return key
    lname = name.lower()
    known = _NAMES.get(lname)
    return known[1] if known else lname


def name_and_key(name: str) -> tuple[str, str]:
    """canonical_name() and header_key() in one lookup, for the parser's inner loop."""
    known = EXACT_NAMES.get(name)
    if known is not None:
        return known
    lname = name.lower()
    return _NAMES.get(lname) or (name, lname)


def is_token(text: str) -> bool:
    """True if text is a SIP token (method names, parameter names, header names)."""
    return _TOKEN_RE.fullmatch(text) is not None


def unquote_string(text: str) -> str:
    """The content of a quoted-string, with its quoted-pairs resolved; other text unchanged."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        inner = text[1:-1]
        return re.sub(r"\\(.)", r"\1", inner, flags=re.DOTALL) if "\\" in inner else inner
    return text


def quote_string(text: str) -> str:
    """text as a quoted-string, escaping backslashes and double quotes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def split_header_values(value: str) -> list[str]:
    """Split a header value on commas that are outside quoted strings and <…>; items stripped.

    Empty items are kept (as ""), so that strict parsers can reject them.
    """
    if "," not in value:
        return [value.strip(" \t")]
    if '"' not in value and "<" not in value:
        return [item.strip(" \t") for item in value.split(",")]
    items: list[str] = []
    start = 0
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == '"':
            i += 1
            while i < n and value[i] != '"':
                i += 2 if value[i] == "\\" else 1
        elif ch == "<":
            end = value.find(">", i)
            i = n if end < 0 else end
        elif ch == ",":
            items.append(value[start:i].strip(" \t"))
            start = i + 1
        i += 1
    items.append(value[start:].strip(" \t"))
    return items


def parse_params(text: str) -> dict[str, str | None]:
    """Parse ";name=value;flag" into {name (lower-case): raw value or None}.

    Values are kept as written (a quoted-string keeps its quotes); see unquote_string().
    """
    if not text:
        return {}
    if _PARAMS_RE.fullmatch(text) is None:
        raise RemoteProtocolError("Bad header parameters", detail=repr(text[:200]))
    if '"' in text:  # a quoted value may hold ";" or "=": let the regex find the pieces
        return {name.lower(): value or None for name, value in _PARAM_RE.findall(text)}
    # Checked whole above and without quotes, the text splits on ";" and "=" exactly as the
    # regex would; str methods do it several times faster.
    params: dict[str, str | None] = {}
    for item in text.split(";")[1:]:
        name, eq, value = item.partition("=")
        params[name.strip(" \t").lower()] = value.strip(" \t") if eq else None
    return params


def format_params(params: dict[str, str | None]) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params.items())


def parse_delta_seconds(text: str) -> int | None:
    """A non-negative integer, saturating at 2**32-1 (RFC 3261 §20.19); None if not digits."""
    if _DIGITS_RE.fullmatch(text) is None:
        return None
    if len(text) > 10:
        return MAX_DELTA_SECONDS
    return min(int(text), MAX_DELTA_SECONDS)


def parse_media_type(value: str) -> tuple[str, dict[str, str | None]]:
    """("type/subtype" lower-cased, parameters) of a Content-Type or Accept value."""
    media, semi, rest = value.partition(";")
    kind, slash, sub = media.strip(" \t").partition("/")
    kind, sub = kind.rstrip(" \t"), sub.lstrip(" \t")
    if not slash or not is_token(kind) or not is_token(sub):
        raise RemoteProtocolError("Bad media type", detail=repr(value[:200]))
    return f"{kind}/{sub}".lower(), parse_params(semi + rest)


@dataclass
class Via:
    """One Via entry: SIP/2.0/<transport> <host>[:<port>];params."""

    transport: str
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: str) -> Via:
        known = _VIA_PARSED.get(value)
        if known is not None:
            return cls(known[0], known[1], known[2], dict(known[3]))
        m = _VIA_RE.fullmatch(value)
        if m is None:
            raise RemoteProtocolError("Bad Via header", detail=repr(value[:200]))
        _protocol, _version, transport, host, port, rest = m.groups()
        port_number = None
        if port is not None:
            port_number = int(port)
            if port_number > 65535:
                raise RemoteProtocolError("Bad Via header", detail=f"port {port} out of range")
        try:
            params = parse_params(rest)
        except RemoteProtocolError as exc:
            raise RemoteProtocolError("Bad Via header", detail=exc.detail) from None
        transport = transport.upper()
        _remember(_VIA_PARSED, value, (transport, host, port_number, dict(params)))
        return cls(transport, host, port_number, params)

    def __str__(self) -> str:
        port = "" if self.port is None else f":{self.port}"
        return f"SIP/2.0/{self.transport} {self.host}{port}{format_params(self.params)}"

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def received(self) -> str | None:
        return self.params.get("received")

    @property
    def rport(self) -> int | bool | None:
        """The rport value; True if asked for without a value (RFC 3581), None if absent."""
        if "rport" not in self.params:
            return None
        value = self.params["rport"]
        if value is None:
            return True
        return int(value) if value.isdigit() and len(value) <= 5 else True

    @property
    def maddr(self) -> str | None:
        return self.params.get("maddr")

    def sent_by(self) -> tuple[str, int]:
        """Host (IPv6 without brackets) and port, the port defaulting by transport."""
        host = self.host[1:-1] if self.host.startswith("[") else self.host
        if self.port is not None:
            return host, self.port
        return host, 5061 if self.transport in ("TLS", "WSS") else 5060


@dataclass
class NameAddr:
    """name-addr or addr-spec with header parameters (From, To, Contact, Route, Refer-To …)."""

    display: str | None
    uri: SipUri | AbsoluteUri
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: str) -> NameAddr:
        known = _NAME_ADDR_PARSED.get(value)
        if known is not None:
            return cls(known[0], known[1], dict(known[2]))
        text = value.strip(" \t")
        display: str | None = None
        if text.startswith('"'):
            m = _QUOTED_RE.match(text)
            if m is None:
                raise RemoteProtocolError("Bad name-addr", detail="unbalanced quotes")
            display = unquote_string(m.group())
            text = text[m.end() :].lstrip(" \t")
            if not text.startswith("<"):
                raise RemoteProtocolError("Bad name-addr", detail="display name without <URI>")
        lt = text.find("<")
        if lt >= 0:
            if lt > 0:
                words = text[:lt].rstrip(" \t")
                if _DISPLAY_RE.fullmatch(words) is None:
                    raise RemoteProtocolError("Bad name-addr", detail=f"bad display name {words!r}")
                display = words
            gt = text.find(">", lt)
            if gt < 0:
                raise RemoteProtocolError("Bad name-addr", detail="missing >")
            uri_text, rest = text[lt + 1 : gt], text[gt + 1 :]
        else:
            uri_text, semi, rest = text.partition(";")
            uri_text = uri_text.rstrip(" \t")
            rest = semi + rest
            if "?" in uri_text or "," in uri_text:
                raise RemoteProtocolError(
                    "Bad name-addr", detail="a URI with ? , or ; must be enclosed in <>"
                )
        try:
            uri = parse_uri(uri_text)
            params = parse_params(rest)
        except RemoteProtocolError as exc:
            raise RemoteProtocolError("Bad name-addr", detail=str(exc)) from None
        _remember(_NAME_ADDR_PARSED, value, (display, uri, dict(params)))
        return cls(display, uri, params)

    def __str__(self) -> str:
        display = "" if self.display is None else quote_string(self.display) + " "
        return f"{display}<{self.uri}>{format_params(self.params)}"

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def with_tag(self, tag: str) -> NameAddr:
        """A copy with this tag parameter."""
        return NameAddr(self.display, self.uri, {**self.params, "tag": tag})

    @property
    def expires(self) -> int | None:
        """The expires parameter of a Contact, or None if absent or not a number."""
        value = self.params.get("expires")
        return None if value is None else parse_delta_seconds(value)

    @property
    def q(self) -> float | None:
        """The q parameter of a Contact (0 to 1), or None if absent or malformed."""
        value = self.params.get("q")
        if value is None or _Q_RE.fullmatch(value) is None:
            return None
        return float(value)


@dataclass(frozen=True)
class CSeq:
    """The CSeq header: a sequence number below 2**31 and a method."""

    seq: int
    method: str

    @classmethod
    def parse(cls, value: str) -> CSeq:
        known = _CSEQ_PARSED.get(value)
        if known is not None and type(known) is cls:
            return known  # immutable: one object serves every message with this CSeq
        m = _CSEQ_RE.fullmatch(value)
        if m is None:
            raise RemoteProtocolError("Bad CSeq header", detail=repr(value[:200]))
        number = int(m.group(1))
        if number >= 2**31:
            raise RemoteProtocolError("Bad CSeq header", detail=f"sequence number {number} too big")
        cseq = cls(number, m.group(2))
        _remember(_CSEQ_PARSED, value, cseq)
        return cseq

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


class Headers:
    """An ordered multi-dict of header fields, case-insensitive and aware of compact forms.

    Names are stored in their canonical spelling ("v" -> "Via"). Each entry is one header line
    as received; get_all() splits comma-separated lists for the headers that allow them.
    Typed views of the values (see SipMessage) are cached here and dropped on any change.
    """

    __slots__ = ("_cache", "_keys", "_names", "_values")

    # The lines are three tuples of strings (names, lookup keys, values), not a tuple per
    # line: a look-up is tuple.index() in C, and the garbage collector has three objects to
    # look at once per message instead of one per line, then never again (a tuple of strings
    # is not tracked after its first collection). Changes build new tuples; messages change
    # seldom, and little.

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        lines = [header_line(name, value) for name, value in items]
        self._names: tuple[str, ...] = tuple(line[0] for line in lines)
        self._keys: tuple[str, ...] = tuple(line[1] for line in lines)
        self._values: tuple[str, ...] = tuple(line[2] for line in lines)
        self._cache: dict[str, Any] = {}

    @classmethod
    def _from_parsed(cls, items: Iterable[tuple[str, str, str]]) -> Headers:
        """Adopt (canonical name, key, value) triples from the parser without checks."""
        lines = list(items)
        return cls._from_columns(
            [line[0] for line in lines], [line[1] for line in lines], [line[2] for line in lines]
        )

    @classmethod
    def _from_columns(
        cls, names: Iterable[str], keys: Iterable[str], values: Iterable[str]
    ) -> Headers:
        """Adopt canonical names, lookup keys and values (one per line) without checks."""
        headers = cls.__new__(cls)
        headers._names = tuple(names)
        headers._keys = tuple(keys)
        headers._values = tuple(values)
        headers._cache = {}
        return headers

    def _replace(self, lines: Iterable[tuple[str, str, str]]) -> None:
        items = list(lines)
        self._names = tuple(line[0] for line in items)
        self._keys = tuple(line[1] for line in items)
        self._values = tuple(line[2] for line in items)
        self._cache.clear()

    def lines(self) -> list[tuple[str, str, str]]:
        """(canonical name, lookup key, value) of every header line, in order."""
        return list(zip(self._names, self._keys, self._values, strict=True))

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of a header (the whole line, not split), or default."""
        key = _KEYS.get(name) or header_key(name)
        try:
            return self._values[self._keys.index(key)]
        except ValueError:
            return default

    def first(self, key: str) -> str | None:
        """The first value of the header with this lookup key ("call-id"), or None."""
        try:
            return self._values[self._keys.index(key)]
        except ValueError:
            return None

    def values(self, name: str) -> list[str]:
        """Every line of a header, in order, without splitting on commas."""
        key = _KEYS.get(name) or header_key(name)
        keys = self._keys
        if key not in keys:
            return []
        return [value for k, value in zip(keys, self._values, strict=True) if k == key]

    def keys(self) -> tuple[str, ...]:
        """The lookup key of every header line, in order (repeated headers repeat)."""
        return self._keys

    def get_all(self, name: str) -> list[str]:
        """Every value of a header; comma-separated lists are split for headers that allow it."""
        key = header_key(name)
        found = [value for k, value in zip(self._keys, self._values, strict=True) if k == key]
        if key not in LIST_HEADERS:
            return found
        return [item for value in found for item in split_header_values(value) if item]

    def count(self, name: str) -> int:
        return self._keys.count(_KEYS.get(name) or header_key(name))

    def set(self, name: str, value: str) -> None:
        """Replace every line of a header by one (kept where the first one was)."""
        line = header_line(name, value)
        key = line[1]
        items = []
        placed = False
        for item in self.lines():
            if item[1] != key:
                items.append(item)
            elif not placed:
                items.append(line)
                placed = True
        if not placed:
            items.append(line)
        self._replace(items)

    def add(self, name: str, value: str) -> None:
        """Append a header line after all others."""
        canonical, key, value = header_line(name, value)
        self._names += (canonical,)
        self._keys += (key,)
        self._values += (value,)
        self._cache.clear()

    def prepend(self, name: str, value: str) -> None:
        """Insert a header line before the first of that name (or at the top): a new Via."""
        line = header_line(name, value)
        items = self.lines()
        index = next((i for i, item in enumerate(items) if item[1] == line[1]), 0)
        items.insert(index, line)
        self._replace(items)

    def replace_at(self, index: int, value: str) -> None:
        """Give the header line at `index` (in items() order) a new value."""
        _check_value(self._names[index], value)
        values = list(self._values)
        values[index] = value
        self._values = tuple(values)
        self._cache.clear()

    def remove(self, name: str) -> None:
        """Remove every line of a header (no error if there is none)."""
        key = header_key(name)
        if key in self._keys:
            self._replace(item for item in self.lines() if item[1] != key)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return (_KEYS.get(name) or header_key(name)) in self._keys

    def items(self) -> list[tuple[str, str]]:
        """(canonical name, value) of every header line, in order."""
        return list(zip(self._names, self._values, strict=True))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items())

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"Headers({self.items()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self.items() == other.items()

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Headers:
        return Headers._from_columns(self._names, self._keys, self._values)

    def cached(self, slot: str, compute: Callable[[], T]) -> T:
        """compute() once per slot until the headers change (the typed accessors' memory)."""
        try:
            return self._cache[slot]
        except KeyError:
            value = self._cache[slot] = compute()
            return value


def _check_value(name: str, value: str) -> None:
    if name not in EXACT_NAMES and not is_token(name):
        raise LocalProtocolError(f"bad header name {name!r}")
    if "\r" in value or "\n" in value:
        raise LocalProtocolError(f"line break in the value of {name}")


def header_line(name: str, value: str) -> tuple[str, str, str]:
    """(canonical name, lookup key, value) of a header line we write, checked."""
    _check_value(name, value)
    canonical, key = name_and_key(name)
    return canonical, key, value
