"""Used nonces forgotten for the bound (max_tracked_nonces) before they go stale: a nonce no
newer than one forgotten, and not tracked, is answered stale, so a captured answer cannot
be replayed once a flood of authenticated requests has pushed its nonce out of the table."""

from __future__ import annotations

import itertools

from vaxel.sip.auth import (
    AuthResult,
    Credentials,
    DigestChallenger,
    authorization,
    compute_ha1,
    parse_credentials,
)

REALM = "vaxel.example.se"
PASSWORD = "hemligt-4711"
HA1 = compute_ha1("1001", REALM, PASSWORD, "MD5")


def server(tracked: int = 3) -> DigestChallenger:
    counter = itertools.count()
    return DigestChallenger(
        REALM,
        b"server-secret",
        nonce_ttl=300,
        max_tracked_nonces=tracked,
        random_bytes=lambda n: next(counter).to_bytes(n, "big"),
    )


def answer(challenge: str, *, qop: bool = True, nc: int = 1) -> Credentials:
    if not qop:
        challenge = challenge.replace(', qop="auth"', "")
    value = authorization(challenge, "1001", PASSWORD, "REGISTER", "sip:x", cnonce="c", nc=nc)
    return parse_credentials(value)


def md5_challenge(challenger: DigestChallenger, now: float) -> str:
    return challenger.challenge(now, algorithms=("MD5",))[0]


def flood(challenger: DigestChallenger, start: float, count: int) -> None:
    """Fresh nonces, each answered once: enough to push older ones out of the table."""
    for i in range(count):
        now = start + i * 0.01
        creds = answer(md5_challenge(challenger, now))
        assert challenger.verify(creds, "REGISTER", HA1, now) is AuthResult.OK


def test_a_qop_less_answer_replayed_after_its_nonce_was_evicted_is_stale() -> None:
    challenger = server()
    captured = answer(md5_challenge(challenger, 10.0), qop=False)
    assert challenger.verify(captured, "REGISTER", HA1, 11.0) is AuthResult.OK
    assert challenger.verify(captured, "REGISTER", HA1, 12.0) is AuthResult.STALE
    flood(challenger, 20.0, 5)  # the captured nonce is forgotten, 290 s before it expires
    assert challenger.verify(captured, "REGISTER", HA1, 30.0) is AuthResult.STALE


def test_a_counted_answer_replayed_after_its_nonce_was_evicted_is_not_ok() -> None:
    challenger = server()
    captured = answer(md5_challenge(challenger, 10.0), nc=1)
    assert challenger.verify(captured, "REGISTER", HA1, 11.0) is AuthResult.OK
    flood(challenger, 20.0, 5)
    assert challenger.verify(captured, "REGISTER", HA1, 30.0) is AuthResult.STALE


def test_an_untracked_nonce_issued_before_an_evicted_one_is_stale() -> None:
    """The one evicted may not be the oldest: any untracked nonce issued no later is stale."""
    challenger = server()
    older = answer(md5_challenge(challenger, 5.0), qop=False)  # issued, not yet answered
    flood(challenger, 20.0, 5)
    assert challenger.verify(older, "REGISTER", HA1, 30.0) is AuthResult.STALE


def test_nonces_issued_after_the_evicted_ones_still_work() -> None:
    challenger = server()
    flood(challenger, 20.0, 5)
    fresh = answer(md5_challenge(challenger, 30.0), qop=False)
    assert challenger.verify(fresh, "REGISTER", HA1, 30.5) is AuthResult.OK
    assert challenger.verify(fresh, "REGISTER", HA1, 31.0) is AuthResult.STALE
    counted = md5_challenge(challenger, 31.0)
    assert challenger.verify(answer(counted, nc=1), "REGISTER", HA1, 32.0) is AuthResult.OK
    assert challenger.verify(answer(counted, nc=2), "REGISTER", HA1, 33.0) is AuthResult.OK
    assert challenger.verify(answer(counted, nc=2), "REGISTER", HA1, 34.0) is AuthResult.REPLAY


def test_nonces_dropped_because_they_expired_do_not_make_others_stale() -> None:
    """Only eviction before expiry counts: expired nonces are stale anyway."""
    challenger = server(tracked=10)
    flood(challenger, 0.0, 3)
    waiting = answer(md5_challenge(challenger, 200.0), qop=False)
    flood(challenger, 400.0, 1)  # the first three expired and are dropped
    assert challenger.verify(waiting, "REGISTER", HA1, 401.0) is AuthResult.OK
