"""SIP accounts: one person, several devices, each with its own credentials."""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass

from vaxel.domain.errors import DomainError
from vaxel.domain.text import fold

# RFC 7616 §3.4.2: "-sess" variants need the nonce, so only the plain ones can be stored.
_HASHES = {"MD5": "md5", "SHA-256": "sha256"}

# The user part of a SIP URI, kept to what every phone and trunk accepts.
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")

# Toll fraud starts with guessed SIP passwords, so registering devices need long ones.
MIN_PASSWORD_LENGTH = 12


class DeviceKind(enum.StrEnum):
    DESK = "desk"
    SOFTPHONE = "softphone"
    MOBILE = "mobile"


_DEVICE_WORDS = {
    "desk": DeviceKind.DESK,
    "desk phone": DeviceKind.DESK,
    "bordstelefon": DeviceKind.DESK,
    "fast": DeviceKind.DESK,
    "softphone": DeviceKind.SOFTPHONE,
    "mjukvarutelefon": DeviceKind.SOFTPHONE,
    "datorklient": DeviceKind.SOFTPHONE,
    "mobile": DeviceKind.MOBILE,
    "mobil": DeviceKind.MOBILE,
    "mobiltelefon": DeviceKind.MOBILE,
}


@dataclass(frozen=True, slots=True)
class SipAccount:
    """A device's registration identity; only the HA1 digests are kept, never the password."""

    id: int
    username: str
    person_id: int
    device: DeviceKind
    realm: str
    ha1_md5: str
    ha1_sha256: str
    label: str = ""

    @classmethod
    def create(
        cls,
        id: int,
        username: str,
        person_id: int,
        device: DeviceKind,
        realm: str,
        password: str,
        label: str = "",
    ) -> SipAccount:
        """A new account with both digests computed from the password (which is then dropped)."""
        validate_username(username)
        validate_password(password, username)
        return cls(
            id=id,
            username=username,
            person_id=person_id,
            device=device,
            realm=realm,
            ha1_md5=digest_ha1(username, realm, password, "MD5"),
            ha1_sha256=digest_ha1(username, realm, password, "SHA-256"),
            label=label,
        )

    def ha1(self, algorithm: str) -> str:
        """The stored digest for a challenge's algorithm."""
        return self.ha1_sha256 if _algorithm(algorithm) == "sha256" else self.ha1_md5


def _algorithm(algorithm: str) -> str:
    name = _HASHES.get(algorithm.strip().upper())
    if name is None:
        raise DomainError("algorithm", f"{algorithm!r} is not supported; use MD5 or SHA-256")
    return name


def digest_ha1(username: str, realm: str, password: str, algorithm: str) -> str:
    """RFC 7616 HA1 = H(username:realm:password) as lower-case hex, for MD5 or SHA-256."""
    data = f"{username}:{realm}:{password}".encode()
    return hashlib.new(_algorithm(algorithm), data).hexdigest()


def parse_device(text: str) -> DeviceKind:
    """A device kind from Swedish or English text."""
    kind = _DEVICE_WORDS.get(fold(text))
    if kind is None:
        raise DomainError("device", f"unknown device {text!r}; use desk, softphone or mobile")
    return kind


def validate_username(username: str) -> None:
    """A SIP user name: 2–64 of letters, digits, ".", "_", "-", starting with a letter or digit."""
    if not _USERNAME.match(username):
        raise DomainError("username", f"{username!r} must be 2–64 letters, digits, '.', '_' or '-'")


def validate_password(password: str, username: str = "") -> None:
    """Long enough, and not the user name in disguise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if username and username.lower() in password.lower():
        raise DomainError("password", "must not contain the user name")
