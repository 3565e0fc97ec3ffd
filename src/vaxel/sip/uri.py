"""SIP and SIPS URIs (RFC 3261 §19.1), and the opaque URIs of other schemes (tel:, urn: …)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from vaxel.sip.errors import RemoteProtocolError

__all__ = ["AbsoluteUri", "SipUri", "parse_uri"]

_UNRESERVED = r"A-Za-z0-9\-_.!~*'()"
_ESCAPED = r"%[0-9A-Fa-f]{2}"
_PARAMCHAR = rf"(?:[{_UNRESERVED}\[\]/:&+$]|{_ESCAPED})"
_HNVCHAR = rf"(?:[{_UNRESERVED}\[\]/?:+$]|{_ESCAPED})"

# One pass over the whole URI; the pieces are split further only when present. The user part
# also takes an unescaped "#": RFC 3261 wants it escaped, but softphones (baresip among them)
# send a dialled "#23#" as typed, and a feature code must not fail on it. We write it escaped.
_SIP_URI = re.compile(
    rf"""
    (?P<scheme>[sS][iI][pP][sS]?):
    (?:(?P<user>(?:[{_UNRESERVED}&=+$,;?/#]|{_ESCAPED})+)
       (?::(?P<password>(?:[{_UNRESERVED}&=+$,]|{_ESCAPED})*))?@)?
    (?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_](?:[A-Za-z0-9_\-.]*))
    (?::(?P<port>[0-9]{{1,5}}))?
    (?P<params>(?:;{_PARAMCHAR}+(?:={_PARAMCHAR}+)?)*)
    (?:\?(?P<headers>{_HNVCHAR}+={_HNVCHAR}*(?:&{_HNVCHAR}+={_HNVCHAR}*)*))?
    """,
    re.VERBOSE,
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")
# Anything printable without whitespace, quotes or angle brackets is accepted as opaque content.
_OPAQUE = re.compile(r"[!#-;=?-~]+")

# Characters that may stay unescaped when we write the user and password parts.
_USER_SAFE = "!*'()&=+$,;?/"
_PASSWORD_SAFE = "!*'()&=+$,"

# Parameters that must match when present in either URI (RFC 3261 §19.1.4).
_MUST_MATCH = ("user", "ttl", "method", "maddr", "transport")

Params = tuple[tuple[str, str | None], ...]


def _unescape(text: str) -> str:
    return unquote(text, errors="surrogateescape") if "%" in text else text


def _fold(text: str | None) -> str | None:
    """Unescaped and case-folded, for comparisons that ignore case."""
    return None if text is None else _unescape(text).lower()


@dataclass(frozen=True)
class SipUri:
    """A sip: or sips: URI. `user` and `password` are unescaped; params and headers are raw.

    An IPv6 host is kept as a reference, with brackets ("[::1]"); host_port() drops them.
    """

    scheme: str
    user: str | None
    password: str | None
    host: str
    port: int | None = None
    params: Params = ()
    headers: tuple[tuple[str, str], ...] = ()
    # str(self), once written (a frozen dataclass may still memoise through object.__setattr__)
    _text: str = field(default="", init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> SipUri:
        """Parse a SIP or SIPS URI; RemoteProtocolError names the defect."""
        m = _SIP_URI.fullmatch(text)
        if m is None:
            raise RemoteProtocolError("Bad SIP URI", detail=repr(text[:200]))
        scheme, user, password, host, port, params, headers = m.groups()
        port_number: int | None = None
        if port is not None:
            port_number = int(port)
            if port_number > 65535:
                raise RemoteProtocolError("Bad SIP URI", detail=f"port {port} out of range")
        if host[0] == "[":
            try:
                ipaddress.IPv6Address(host[1:-1])
            except ValueError:
                raise RemoteProtocolError("Bad SIP URI", detail=f"bad IPv6 host {host}") from None
        param_list: Params = ()
        if params:
            items: list[tuple[str, str | None]] = []
            for item in params[1:].split(";"):
                name, eq, value = item.partition("=")
                items.append((name, value if eq else None))
            param_list = tuple(items)
        header_list: tuple[tuple[str, str], ...] = ()
        if headers:
            header_list = tuple(
                (name, value) for name, _, value in (h.partition("=") for h in headers.split("&"))
            )
        uri = cls(
            scheme.lower(),
            None if user is None else _unescape(user),
            None if password is None else _unescape(password),
            host,
            port_number,
            param_list,
            header_list,
        )
        return uri

    def __str__(self) -> str:
        if self._text:
            return self._text
        parts = [self.scheme, ":"]
        if self.user is not None:
            parts.append(quote(self.user, safe=_USER_SAFE, errors="surrogateescape"))
            if self.password is not None:
                parts += [":", quote(self.password, safe=_PASSWORD_SAFE, errors="surrogateescape")]
            parts.append("@")
        parts.append(self.host)
        if self.port is not None:
            parts += [":", str(self.port)]
        for name, value in self.params:
            parts += [";", name] if value is None else [";", name, "=", value]
        if self.headers:
            parts += ["?", "&".join(f"{name}={value}" for name, value in self.headers)]
        text = "".join(parts)
        object.__setattr__(self, "_text", text)
        return text

    def param(self, name: str) -> str | None:
        """The value of a URI parameter, case-insensitive by name; "" for a flag, None if absent."""
        lname = name.lower()
        for key, value in self.params:
            if key.lower() == lname:
                return "" if value is None else value
        return None

    def has_param(self, name: str) -> bool:
        lname = name.lower()
        return any(key.lower() == lname for key, _ in self.params)

    def with_params(self, *pairs: tuple[str, str | None], **params: str | None) -> SipUri:
        """A copy with these parameters set (replacing any of the same name); None for a flag."""
        updates = [*pairs, *params.items()]
        names = {name.lower() for name, _ in updates}
        kept = tuple((k, v) for k, v in self.params if k.lower() not in names)
        return self._replace(params=kept + tuple(updates))

    def without_params(self, *names: str) -> SipUri:
        """A copy without these parameters."""
        drop = {name.lower() for name in names}
        return self._replace(params=tuple((k, v) for k, v in self.params if k.lower() not in drop))

    def without_headers(self) -> SipUri:
        return self._replace(headers=())

    def _replace(self, **changes: object) -> SipUri:
        values: dict[str, object] = {
            "scheme": self.scheme,
            "user": self.user,
            "password": self.password,
            "host": self.host,
            "port": self.port,
            "params": self.params,
            "headers": self.headers,
        }
        values.update(changes)
        return SipUri(**values)  # type: ignore[arg-type]

    @property
    def transport(self) -> str | None:
        """The transport parameter, lower-cased, or None."""
        value = self.param("transport")
        return value.lower() if value else None

    def host_port(self) -> tuple[str, int]:
        """Host (IPv6 without brackets) and port, defaulting to 5060, or 5061 for sips."""
        host = self.host[1:-1] if self.host.startswith("[") else self.host
        if self.port is not None:
            return host, self.port
        return host, 5061 if self.scheme == "sips" else 5060

    def equivalent(self, other: SipUri | AbsoluteUri) -> bool:
        """URI comparison of RFC 3261 §19.1.4 (not the same as ==, which compares the text)."""
        if not isinstance(other, SipUri) or self.scheme != other.scheme:
            return False
        if self.user != other.user or self.password != other.password:
            return False
        if not _same_host(self.host, other.host) or self.port != other.port:
            return False
        mine = _folded_params(self.params)
        theirs = _folded_params(other.params)
        for name in _MUST_MATCH:
            if mine.get(name, "\0") != theirs.get(name, "\0"):
                return False
        for key, value in mine.items():
            if key in theirs and theirs[key] != value:
                return False
        mine_h = {(_fold(k), _fold(v)) for k, v in self.headers}
        theirs_h = {(_fold(k), _fold(v)) for k, v in other.headers}
        return mine_h == theirs_h


def _same_host(a: str, b: str) -> bool:
    if a.lower() == b.lower():
        return True
    if a.startswith("[") and b.startswith("["):
        try:
            return ipaddress.IPv6Address(a[1:-1]) == ipaddress.IPv6Address(b[1:-1])
        except ValueError:
            return False
    return False


def _folded_params(params: Params) -> dict[str | None, str | None]:
    return {_fold(k): _fold(v) for k, v in params}


@dataclass(frozen=True)
class AbsoluteUri:
    """A URI of another scheme (tel:, http:, urn: …), kept opaque."""

    scheme: str
    rest: str

    @classmethod
    def parse(cls, text: str) -> AbsoluteUri:
        scheme, colon, rest = text.partition(":")
        if not colon or not _SCHEME.fullmatch(scheme) or not _OPAQUE.fullmatch(rest):
            raise RemoteProtocolError("Bad URI", detail=repr(text[:200]))
        return cls(scheme.lower(), rest)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.rest}"

    def param(self, name: str) -> str | None:
        """Opaque URIs have no parameters we interpret."""
        return None

    def equivalent(self, other: SipUri | AbsoluteUri) -> bool:
        """Same scheme and same content, ignoring the case of escapes and of the scheme."""
        return (
            isinstance(other, AbsoluteUri)
            and self.scheme == other.scheme
            and _unescape(self.rest) == _unescape(other.rest)
        )


# Parsed URIs by their text. The same few URIs come back in message after message (an
# extension's address in From and To, its Contact, our own address), and both URI classes are
# immutable, so one parse serves them all. Bounded in entries and in the length of each text.
_PARSED: dict[str, SipUri | AbsoluteUri] = {}
_PARSED_MAX = 4096
_PARSED_MAX_TEXT = 256


def parse_uri(text: str) -> SipUri | AbsoluteUri:
    """Parse any URI: SipUri for sip:/sips:, AbsoluteUri for every other scheme."""
    uri = _PARSED.get(text)
    if uri is not None:
        return uri
    head = text[:5].lower()
    if head.startswith("sip:") or head == "sips:":
        uri = SipUri.parse(text)
    else:
        uri = AbsoluteUri.parse(text)
    if len(text) <= _PARSED_MAX_TEXT:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()  # crude, but atomic (a worker thread may parse too) and rare
        _PARSED[text] = uri
    return uri
