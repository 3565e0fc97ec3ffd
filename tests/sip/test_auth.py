"""Server-side digest: the RFC 7616 vector, stateless nonces, staleness, replays, no enumeration."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaxel.sip.auth import (
    AuthResult,
    Credentials,
    DigestChallenger,
    authorization,
    compute_ha1,
    expected_response,
    parse_credentials,
)
from vaxel.sip.errors import RemoteProtocolError

# RFC 7616 §3.9.1
MUFASA = (
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", '
    'algorithm={alg}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, '
    'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="{response}", '
    'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
)
VECTORS = {
    "SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
    "MD5": "8ca523f5e9506fed4657c9700eebdbec",
}
REALM = "vaxel.example.se"
PASSWORD = "hemligt-4711"


@pytest.mark.parametrize("algorithm", sorted(VECTORS))
def test_rfc7616_vector(algorithm: str) -> None:
    creds = parse_credentials(MUFASA.format(alg=algorithm, response=VECTORS[algorithm]))
    assert (creds.username, creds.uri, creds.algorithm) == ("Mufasa", "/dir/index.html", algorithm)
    ha1 = compute_ha1("Mufasa", "http-auth@example.org", "Circle of Life", algorithm)
    assert expected_response(creds, "GET", ha1) == VECTORS[algorithm]
    # Right password but a nonce we never issued: stale, so the client retries with ours.
    server = DigestChallenger("http-auth@example.org", b"k")
    assert server.verify(creds, "GET", ha1, now=0.0) is AuthResult.STALE
    wrong = compute_ha1("Mufasa", "http-auth@example.org", "Circle of Death", algorithm)
    assert server.verify(creds, "GET", wrong, now=0.0) is AuthResult.FAILED


def answer(
    challenge: str,
    *,
    user: str = "1001",
    password: str = PASSWORD,
    nc: int = 1,
) -> Credentials:
    """What a phone sends back to a challenge."""
    value = authorization(
        challenge, user, password, "REGISTER", "sip:vaxel.example.se", cnonce="0a4f113b", nc=nc
    )
    return parse_credentials(value)


@pytest.fixture
def server() -> DigestChallenger:
    counter = itertools.count()
    return DigestChallenger(
        REALM, b"server-secret", nonce_ttl=300, random_bytes=lambda n: bytes([next(counter)]) * n
    )


def stored(algorithm: str) -> str:
    return compute_ha1("1001", REALM, PASSWORD, algorithm)


def test_challenge_offers_sha256_first(server: DigestChallenger) -> None:
    values = server.challenge(now=100.0)
    assert len(values) == 2
    assert "algorithm=SHA-256" in values[0] and "algorithm=MD5" in values[1]
    assert all('qop="auth"' in v and f'realm="{REALM}"' in v for v in values)
    assert "stale=true" not in values[0]
    assert server.challenge(now=1.0, stale=True, algorithms=("MD5",))[0].endswith("stale=true")
    with pytest.raises(ValueError):
        server.challenge(now=1.0, algorithms=("SHA-512-256",))


@pytest.mark.parametrize("index", [0, 1])
def test_correct_answer_is_accepted(server: DigestChallenger, index: int) -> None:
    challenge = server.challenge(now=100.0)[index]
    creds = answer(challenge)
    assert server.verify(creds, "REGISTER", stored(creds.algorithm), now=101.0) is AuthResult.OK


def test_rfc2617_answer_without_qop_or_algorithm(server: DigestChallenger) -> None:
    challenge = server.challenge(now=0.0, algorithms=("MD5",))[0]
    old_style = challenge.replace(', algorithm=MD5, qop="auth"', "")
    legacy = parse_credentials(
        authorization(old_style, "1001", PASSWORD, "REGISTER", "sip:x", cnonce="c").replace(
            ", algorithm=MD5", ""
        )
    )
    assert legacy.algorithm == "MD5" and legacy.qop is None
    assert server.verify(legacy, "REGISTER", stored("MD5"), now=1.0) is AuthResult.OK


def test_stale_nonce(server: DigestChallenger) -> None:
    creds = answer(server.challenge(now=0.0)[0])
    assert server.verify(creds, "REGISTER", stored("SHA-256"), now=301.0) is AuthResult.STALE
    # A wrong password with an old nonce is a failure, not a hint to retry.
    wrong = answer(server.challenge(now=0.0)[0], password="nope")
    assert server.verify(wrong, "REGISTER", stored("SHA-256"), now=301.0) is AuthResult.FAILED


def test_nonce_from_another_secret_or_realm_is_stale(server: DigestChallenger) -> None:
    other = DigestChallenger(REALM, b"another-secret")
    creds = answer(other.challenge(now=0.0)[0])
    assert server.verify(creds, "REGISTER", stored("SHA-256"), now=1.0) is AuthResult.STALE


def test_nonce_count_replay_rejected(server: DigestChallenger) -> None:
    challenge = server.challenge(now=0.0)[0]
    ha1 = stored("SHA-256")
    assert server.verify(answer(challenge, nc=1), "REGISTER", ha1, now=1.0) is AuthResult.OK
    assert server.verify(answer(challenge, nc=1), "REGISTER", ha1, now=2.0) is AuthResult.REPLAY
    assert server.verify(answer(challenge, nc=3), "REGISTER", ha1, now=3.0) is AuthResult.OK
    assert server.verify(answer(challenge, nc=2), "REGISTER", ha1, now=4.0) is AuthResult.REPLAY


def test_tracked_nonces_are_bounded() -> None:
    server = DigestChallenger(REALM, b"s", max_tracked_nonces=3)
    for i in range(10):
        creds = answer(server.challenge(now=float(i))[0])
        assert server.verify(creds, "REGISTER", stored("SHA-256"), now=float(i)) is AuthResult.OK
    assert len(server._counts) == 3


def test_wrong_password_and_unknown_user_fail_alike(server: DigestChallenger) -> None:
    challenge = server.challenge(now=0.0)[0]
    wrong = answer(challenge, password="gissning")
    assert server.verify(wrong, "REGISTER", stored("SHA-256"), now=1.0) is AuthResult.FAILED
    unknown = answer(challenge, user="9999")
    assert server.verify(unknown, "REGISTER", None, now=1.0) is AuthResult.FAILED
    # Even a right answer for a user the caller did not find fails.
    right = answer(challenge)
    assert server.verify(right, "REGISTER", None, now=1.0) is AuthResult.FAILED


def test_method_realm_algorithm_and_qop_must_match(server: DigestChallenger) -> None:
    creds = answer(server.challenge(now=0.0)[0])
    ha1 = stored("SHA-256")
    assert server.verify(creds, "INVITE", ha1, now=1.0) is AuthResult.FAILED
    foreign = dataclasses.replace(creds, realm="elsewhere")
    assert server.verify(foreign, "REGISTER", ha1, now=1.0) is AuthResult.FAILED
    odd = dataclasses.replace(creds, algorithm="SHA-512-256")
    assert server.verify(odd, "REGISTER", ha1, now=1.0) is AuthResult.FAILED
    integrity = dataclasses.replace(creds, qop="auth-int")
    assert server.verify(integrity, "REGISTER", ha1, now=1.0) is AuthResult.FAILED
    upper = dataclasses.replace(creds, response=creds.response.upper())
    assert server.verify(upper, "REGISTER", ha1, now=1.0) is AuthResult.OK


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("NoOneKnowsThisScheme opaque-data=here", 401),
        ("Basic dXNlcjpwYXNz", 401),
        ('Digest username="a", realm="r"', 400),
        ('Digest username="a" realm="r"', 400),
        ('Digest username="a, realm="r", nonce="n", uri="u", response="x"', 400),
        ('Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth', 400),
        ('Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth, '
         'nc=1, cnonce="c"', 400),
        ("Digest ,,,", 400),
        ("", 401),
    ],
)  # fmt: skip
def test_garbage_credentials(value: str, status: int) -> None:
    with pytest.raises(RemoteProtocolError) as caught:
        parse_credentials(value)
    assert caught.value.status_hint == status


def test_credentials_with_escapes_and_odd_spacing() -> None:
    creds = parse_credentials(
        'digest  username = "an\\"na" ,realm="r",nonce="n", uri="sip:a@b;x=1", '
        'response=abc, Algorithm=sha-256, opaque="o"'
    )
    assert creds.username == 'an"na'
    assert creds.uri == "sip:a@b;x=1"
    assert creds.algorithm == "SHA-256"
    assert creds.opaque == "o"


def test_bogus_nonces_do_not_crash(server: DigestChallenger) -> None:
    creds = answer(server.challenge(now=0.0)[0])
    for nonce in ("", "!!!", "é", "a" * 43, "AAAA"):
        forged = dataclasses.replace(creds, nonce=nonce)
        assert server.verify(forged, "REGISTER", stored("SHA-256"), now=1.0) is AuthResult.FAILED


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_credentials_fail_only_with_remote_protocol_error(text: str) -> None:
    server = DigestChallenger(REALM, b"s")
    for value in (text, "Digest " + text, f'Digest username="{text}", realm="r", {text}'):
        try:
            creds = parse_credentials(value)
        except RemoteProtocolError:
            continue
        assert server.verify(creds, "REGISTER", None, now=0.0) is AuthResult.FAILED
