"""Server-side HTTP digest authentication for SIP (RFC 7616, RFC 8760; RFC 2617 without qop).

Nonces carry their own issue time and an HMAC, so any nonce we issued can be checked without
a table; a bounded table of nonce counts rejects replays (an answer without qop, which has no
count, uses its nonce up). Passwords are never seen here: the
caller keeps H(username:realm:password) per algorithm (compute_ha1) and hands it to verify().
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
import secrets
import struct
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.headers import quote_string, unquote_string

__all__ = [
    "ALGORITHMS",
    "AuthResult",
    "Credentials",
    "DigestChallenger",
    "authorization",
    "compute_ha1",
    "expected_response",
    "parse_credentials",
    "parse_digest_params",
]

# Digest algorithm name -> hashlib name. The "-sess" variants are not offered.
ALGORITHMS: dict[str, str] = {"MD5": "md5", "SHA-256": "sha256"}

# A quoted-string written as "unrolled" ("[^"\\]*(?:\\.[^"\\]*)*"): the same strings as
# "(?:[^"\\]|\\.)*", matched in runs rather than a character at a time.
_AUTH_PARAM = re.compile(
    r'[ \t]*([A-Za-z0-9_\-]+)[ \t]*=[ \t]*("[^"\\]*(?:\\.[^"\\]*)*"|[^ \t,"]+)[ \t]*(?:,|\Z)',
    re.DOTALL,
)
_NC = re.compile(r"[0-9a-fA-F]{8}")
_FUTURE_SKEW = 5.0  # seconds a nonce may seem to come from the future (clock jitter)
_USED_UP = 0xFFFFFFFF  # the highest nonce count: a nonce answered without qop


# hashlib's named constructors skip hashlib.new()'s look-up by name on every call.
_HASHES: dict[str, Callable[[bytes], Any]] = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def _hash(algorithm: str, text: str) -> str:
    digest: str = _HASHES[algorithm](text.encode("utf-8", "surrogateescape")).hexdigest()
    return digest


def compute_ha1(username: str, realm: str, password: str, algorithm: str = "MD5") -> str:
    """H(username:realm:password) in hex: what to store instead of the password."""
    return _hash(algorithm, f"{username}:{realm}:{password}")


class AuthResult(enum.Enum):
    OK = "ok"
    STALE = "stale"  # right password, old or foreign nonce: challenge again with stale=true
    FAILED = "failed"  # wrong password, unknown user, or malformed: challenge again
    REPLAY = "replay"  # a nonce count seen before: refuse (403), do not re-challenge


@dataclass(frozen=True)
class Credentials:
    """The fields of an Authorization or Proxy-Authorization header (unquoted)."""

    scheme: str
    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str = "MD5"
    qop: str | None = None
    nc: str | None = None
    cnonce: str | None = None
    opaque: str | None = None
    params: dict[str, str] = field(default_factory=dict, compare=False)


def parse_digest_params(value: str) -> dict[str, str]:
    """The auth-params of a Digest challenge or credentials, names lower-case, values unquoted.

    A scheme other than Digest raises with status_hint 401: answer with a new challenge.
    """
    scheme, _, rest = value.strip(" \t").partition(" ")
    if scheme.lower() != "digest":
        raise RemoteProtocolError(
            "Unsupported authorization scheme", status_hint=401, detail=scheme[:40]
        )
    params: dict[str, str] = {}
    pos = 0
    rest = rest.strip(" \t")
    # finditer walks the params in C; each must start where the one before it ended.
    for m in _AUTH_PARAM.finditer(rest):
        if m.start() != pos:
            break
        name, value = m.groups()
        params[name.lower()] = unquote_string(value) if value[:1] == '"' else value
        pos = m.end()
    if pos < len(rest):
        raise RemoteProtocolError("Bad Authorization header", detail=repr(rest[pos:][:80]))
    return params


def parse_credentials(value: str) -> Credentials:
    """Parse a Digest Authorization value; RemoteProtocolError names what is wrong."""
    params = parse_digest_params(value)
    missing = [k for k in ("username", "realm", "nonce", "uri", "response") if k not in params]
    if missing:
        raise RemoteProtocolError("Bad Authorization header", detail=f"no {', '.join(missing)}")
    qop, nc, cnonce = params.get("qop"), params.get("nc"), params.get("cnonce")
    if qop is not None and (nc is None or cnonce is None or not _NC.fullmatch(nc)):
        raise RemoteProtocolError("Bad Authorization header", detail="qop without nc and cnonce")
    return Credentials(
        scheme="Digest",
        username=params["username"],
        realm=params["realm"],
        nonce=params["nonce"],
        uri=params["uri"],
        response=params["response"],
        algorithm=params.get("algorithm", "MD5").upper(),
        qop=qop,
        nc=nc,
        cnonce=cnonce,
        opaque=params.get("opaque"),
        params=params,
    )


def expected_response(credentials: Credentials, method: str, ha1: str) -> str:
    """The response a client knowing ha1 computes (RFC 7616 §3.4.1, qop=auth or none)."""
    algorithm = credentials.algorithm
    ha2 = _hash(algorithm, f"{method}:{credentials.uri}")
    if credentials.qop is None:
        return _hash(algorithm, f"{ha1}:{credentials.nonce}:{ha2}")
    return _hash(
        algorithm,
        f"{ha1}:{credentials.nonce}:{credentials.nc}:{credentials.cnonce}:{credentials.qop}:{ha2}",
    )


def authorization(
    challenge: str,
    username: str,
    password: str,
    method: str,
    uri: str,
    *,
    cnonce: str,
    nc: int = 1,
) -> str:
    """The client side: an Authorization value answering a WWW-Authenticate challenge.

    For vaxel's own requests upstream (a trunk asking us to authenticate) and for tests.
    """
    params = parse_digest_params(challenge)
    if "realm" not in params or "nonce" not in params:
        raise RemoteProtocolError("Bad WWW-Authenticate header", detail="no realm or nonce")
    algorithm = params.get("algorithm", "MD5").upper()
    if algorithm not in ALGORITHMS:
        raise RemoteProtocolError("Unsupported digest algorithm", detail=algorithm[:40])
    offered = [q.strip() for q in params["qop"].split(",")] if "qop" in params else []
    if offered and "auth" not in offered:
        raise RemoteProtocolError("Unsupported digest qop", detail=params["qop"][:40])
    qop = "auth" if offered else None
    creds = Credentials(
        scheme="Digest",
        username=username,
        realm=params["realm"],
        nonce=params["nonce"],
        uri=uri,
        response="",
        algorithm=algorithm,
        qop=qop,
        nc=f"{nc:08x}" if qop else None,
        cnonce=cnonce if qop else None,
    )
    ha1 = compute_ha1(username, creds.realm, password, algorithm)
    fields = [
        f"username={quote_string(username)}",
        f"realm={quote_string(creds.realm)}",
        f"nonce={quote_string(creds.nonce)}",
        f"uri={quote_string(uri)}",
        f'response="{expected_response(creds, method, ha1)}"',
        f"algorithm={algorithm}",
    ]
    if qop:
        fields += [f"qop={qop}", f"nc={creds.nc}", f"cnonce={quote_string(cnonce)}"]
    if "opaque" in params:
        fields.append(f"opaque={quote_string(params['opaque'])}")
    return "Digest " + ", ".join(fields)


class DigestChallenger:
    """Issues digest challenges for one realm and verifies the answers.

    `secret` keys the nonce HMAC (random per process is fine: after a restart old nonces
    verify as STALE, and clients retry). `now` is any clock in seconds, the same one always.
    """

    def __init__(
        self,
        realm: str,
        secret: bytes,
        nonce_ttl: float = 300,
        *,
        max_tracked_nonces: int = 10_000,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.realm = realm
        self._realm_bytes = realm.encode("utf-8")
        self.nonce_ttl = nonce_ttl
        self._secret = secret
        self._random = random_bytes
        self._max_tracked = max_tracked_nonces
        # nonce -> (highest nonce count accepted, time after which the nonce is stale)
        self._counts: OrderedDict[str, tuple[int, float]] = OrderedDict()
        # The latest expiry (issue time + nonce_ttl) among nonces forgotten for the bound
        # before they went stale: a nonce issued no later than that and not tracked may have
        # been used already, so it is answered stale rather than trusted (see verify).
        self._forgotten_until = float("-inf")
        self._dummy = {name: _hash(name, secrets.token_hex(16)) for name in ALGORITHMS}

    # -- nonces --------------------------------------------------------------------------------

    def _mac(self, stamp: bytes) -> bytes:
        # hmac.digest() is the one-shot C path: no HMAC object per nonce.
        return hmac.digest(self._secret, stamp + self._realm_bytes, "sha256")[:16]

    def new_nonce(self, now: float) -> str:
        stamp = struct.pack(">d", now) + self._random(8)
        return base64.urlsafe_b64encode(stamp + self._mac(stamp)).rstrip(b"=").decode("ascii")

    def _nonce_time(self, nonce: str) -> float | None:
        """When we issued this nonce, or None if we did not issue it."""
        try:
            raw = base64.urlsafe_b64decode(nonce.encode("ascii") + b"=" * (-len(nonce) % 4))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return None
        if len(raw) != 32 or not hmac.compare_digest(raw[16:], self._mac(raw[:16])):
            return None
        issued: float = struct.unpack(">d", raw[:8])[0]
        return issued

    def _expiry(self, nonce: str, now: float) -> float | None:
        """When a nonce of ours goes stale, or None if it is stale already or not ours."""
        issued = self._nonce_time(nonce)
        if issued is None or not -_FUTURE_SKEW <= now - issued <= self.nonce_ttl:
            return None
        return issued + self.nonce_ttl

    # -- challenge and verify ------------------------------------------------------------------

    def challenge(
        self, now: float, stale: bool = False, algorithms: Sequence[str] = ("SHA-256", "MD5")
    ) -> list[str]:
        """WWW-Authenticate (or Proxy-Authenticate) values, one per algorithm, best first."""
        nonce = self.new_nonce(now)
        values = []
        for algorithm in algorithms:
            if algorithm not in ALGORITHMS:
                raise ValueError(f"unsupported digest algorithm {algorithm!r}")
            value = (
                f"Digest realm={quote_string(self.realm)}, nonce={quote_string(nonce)}, "
                f'algorithm={algorithm}, qop="auth"'
            )
            values.append(value + ", stale=true" if stale else value)
        return values

    def verify(
        self, credentials: Credentials, method: str, ha1: str | None, now: float
    ) -> AuthResult:
        """Check credentials against ha1 (None for an unknown user: then it fails, equally slow).

        The caller must also check that credentials.uri names the Request-URI, and should
        pass the ha1 stored for credentials.algorithm.
        """
        algorithm = credentials.algorithm
        if algorithm not in ALGORITHMS:
            return AuthResult.FAILED
        known = ha1 is not None and credentials.realm == self.realm
        secret_ha1 = ha1 if known and ha1 is not None else self._dummy[algorithm]
        if credentials.qop not in (None, "auth"):
            return AuthResult.FAILED
        expected = expected_response(credentials, method, secret_ha1).encode("ascii")
        given = credentials.response.lower().encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(expected, given) or not known:
            return AuthResult.FAILED
        expires = self._expiry(credentials.nonce, now)
        if expires is None:
            return AuthResult.STALE
        if expires <= self._forgotten_until and credentials.nonce not in self._counts:
            # Issued no later than a nonce whose use we forgot (past max_tracked_nonces, at
            # high load or under a flood): its own uses may be forgotten too, and a replayed
            # answer (above all one without qop) must not pass. A fresh nonce, then.
            return AuthResult.STALE
        if credentials.nc is not None:
            return self._count(credentials.nonce, int(credentials.nc, 16), expires, now)
        # No qop (RFC 2069 style): no nonce count tells a replay from a fresh answer, so the
        # nonce serves this one request. A second use is sent for a new nonce (stale=true);
        # counting it as used up makes any later answer with a count a replay too.
        if credentials.nonce in self._counts:
            return AuthResult.STALE
        return self._count(credentials.nonce, _USED_UP, expires, now)

    def _count(self, nonce: str, nc: int, expires: float, now: float) -> AuthResult:
        seen = self._counts.get(nonce)
        if seen is not None and nc <= seen[0]:
            return AuthResult.REPLAY
        self._counts[nonce] = (nc, expires)
        self._counts.move_to_end(nonce)
        self._forget(now)
        return AuthResult.OK

    def _forget(self, now: float) -> None:
        """Drop counts of nonces that are stale anyway, and the oldest beyond the bound."""
        counts = self._counts
        while counts:
            oldest, (_, expires) = next(iter(counts.items()))
            if expires >= now:
                if len(counts) <= self._max_tracked:
                    break
                self._forgotten_until = max(self._forgotten_until, expires)
            del counts[oldest]
