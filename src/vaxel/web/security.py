"""Session cookies signed with HMAC-SHA256, and the CSRF token each session carries.

Passwords and the lock-out after failed log-ins are the storage layer's (``UserRepository``
checks argon2 hashes and counts failures); this module only keeps a browser logged in.
The cookie names the user and holds a random session id, so that logging out can revoke it,
and the CSRF token that every form and every unsafe API call must send back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

SESSION_COOKIE = "vaxel_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# A working day and a little more: an operator logs in once in the morning.
SESSION_LIFETIME = timedelta(hours=12)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class SessionData:
    """What the cookie holds. ``username`` empty: a visitor who has not logged in."""

    sid: str
    csrf: str
    issued: int  # seconds since the epoch
    username: str = ""

    @classmethod
    def fresh(cls, now: datetime, username: str = "") -> SessionData:
        return cls(
            sid=secrets.token_urlsafe(12),
            csrf=secrets.token_urlsafe(24),
            issued=int(now.timestamp()),
            username=username,
        )


class SessionSigner:
    """Turns a ``SessionData`` into a cookie value and back, refusing anything tampered with."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 bytes")
        self._key = hashlib.sha256(b"vaxel-session\0" + secret).digest()

    def dumps(self, data: SessionData) -> str:
        body = json.dumps(
            {"i": data.sid, "c": data.csrf, "t": data.issued, "u": data.username},
            separators=(",", ":"),
        ).encode()
        payload = _b64(body)
        return f"{payload}.{_b64(self._sign(payload))}"

    def loads(self, value: str, now: datetime) -> SessionData | None:
        """The session in ``value``, or None if it is forged, malformed or expired."""
        payload, _, signature = value.partition(".")
        try:
            if not hmac.compare_digest(self._sign(payload), _unb64(signature)):
                return None
            raw = json.loads(_unb64(payload))
            data = SessionData(
                sid=str(raw["i"]), csrf=str(raw["c"]), issued=int(raw["t"]), username=str(raw["u"])
            )
        except (ValueError, KeyError, TypeError):
            return None
        age = now.timestamp() - data.issued
        if age < -60 or age > SESSION_LIFETIME.total_seconds():
            return None
        return data

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).digest()


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def load_or_create_secret(data_dir: Path) -> bytes:
    """The signing secret kept in the data directory, so sessions survive a restart."""
    path = data_dir / "web-secret"
    try:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
