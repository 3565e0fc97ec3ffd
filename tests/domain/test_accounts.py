from __future__ import annotations

import hashlib

import pytest

from vaxel.domain.accounts import (
    DeviceKind,
    SipAccount,
    digest_ha1,
    parse_device,
    validate_username,
)
from vaxel.domain.errors import DomainError


def test_md5_ha1_matches_the_rfc_2617_example() -> None:
    ha1 = digest_ha1("Mufasa", "testrealm@host.com", "Circle Of Life", "MD5")
    assert ha1 == "939e7578ed9e3c518a452acee763bce9"


def test_sha256_ha1_is_lowercase_hex_of_user_realm_password() -> None:
    ha1 = digest_ha1("Mufasa", "http-auth@example.org", "Circle of Life", "sha-256")
    expected = hashlib.sha256(b"Mufasa:http-auth@example.org:Circle of Life").hexdigest()
    assert ha1 == expected
    assert len(ha1) == 64 and ha1 == ha1.lower()


def test_non_ascii_passwords_are_utf8() -> None:
    ha1 = digest_ha1("anna", "vaxel", "blåbärssylt", "MD5")
    assert ha1 == hashlib.md5("anna:vaxel:blåbärssylt".encode()).hexdigest()


@pytest.mark.parametrize("algorithm", ["MD5-sess", "SHA-512-256", "sha1", ""])
def test_other_algorithms_are_refused(algorithm: str) -> None:
    with pytest.raises(DomainError) as err:
        digest_ha1("a", "b", "c", algorithm)
    assert err.value.field == "algorithm"


def test_create_keeps_digests_not_the_password() -> None:
    account = SipAccount.create(
        1, "anna.desk", 42, DeviceKind.DESK, "vaxel.arvika.se", "korrekt-häst-batteri"
    )
    assert account.ha1_md5 == digest_ha1(
        "anna.desk", "vaxel.arvika.se", "korrekt-häst-batteri", "MD5"
    )
    assert account.ha1("SHA-256") == account.ha1_sha256
    assert account.ha1("md5") == account.ha1_md5
    assert "korrekt" not in repr(account)


@pytest.mark.parametrize(
    ("username", "password"),
    [("anna.desk", "short"), ("anna.desk", "xxanna.deskxxxx"), ("a b", "a-long-password-1")],
)
def test_create_refuses_weak_credentials(username: str, password: str) -> None:
    with pytest.raises(DomainError) as err:
        SipAccount.create(1, username, 42, DeviceKind.DESK, "vaxel", password)
    assert err.value.field in {"password", "username"}


@pytest.mark.parametrize("username", ["4123", "anna.berg", "anna_berg-2"])
def test_valid_usernames(username: str) -> None:
    validate_username(username)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Bordstelefon", DeviceKind.DESK),
        ("softphone", DeviceKind.SOFTPHONE),
        ("mobil", DeviceKind.MOBILE),
    ],
)
def test_parse_device(text: str, kind: DeviceKind) -> None:
    assert parse_device(text) is kind
    with pytest.raises(DomainError):
        parse_device("fax")
