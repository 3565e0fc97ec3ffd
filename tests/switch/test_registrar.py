"""The registrar on a fake link: digest auth, bindings, Expires, Contact *, OPTIONS."""

from __future__ import annotations

import re

from switchboard import REALM, Switchboard

from vaxel.sip.message import Response


def challenge_shape(response: Response) -> list[str]:
    """The challenge without its nonce: what an outsider can compare between users."""
    return [
        re.sub(r'nonce="[^"]+"', "nonce", v) for v in response.headers.values("WWW-Authenticate")
    ]


def test_register_with_md5_then_sha256_digest() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    answer = phone.register(expires=300)
    assert answer.status == 200
    assert [c.expires for c in answer.contacts] == [300]
    assert board.registrar.contacts_of(1, board.now)[0].source == phone.peer
    second = board.phone("1001", 5071)
    assert second.register(expires=300, algorithm="SHA-256").status == 200
    assert len(board.registrar.contacts_of(1, board.now)) == 2  # several contacts per AOR


def test_challenge_offers_both_algorithms_and_does_not_tell_users_apart() -> None:
    board = Switchboard()
    known, unknown = board.phone("1001", 5070), board.phone("9999", 5071)
    for phone in (known, unknown):
        phone.send(phone.request("REGISTER", f"sip:{REALM}", to=f"<sip:{phone.user}@{REALM}>"))
    a, b = known.last("401"), unknown.last("401")
    assert isinstance(a, Response) and isinstance(b, Response)
    assert challenge_shape(a) == challenge_shape(b)
    assert ["MD5" in v for v in challenge_shape(a)] == [True, False]
    # A wrong password and an unknown user get the same answer after credentials too.
    assert (unknown.register().status, a.reason) == (401, b.reason)


def test_wrong_password_is_challenged_again() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    first = phone.request("REGISTER", f"sip:{REALM}", to=f"<sip:1001@{REALM}>")
    phone.send(first)
    challenge = phone.last("401")
    assert isinstance(challenge, Response)
    bad = phone.request(
        "REGISTER",
        f"sip:{REALM}",
        to=f"<sip:1001@{REALM}>",
        cseq=2,
        headers=[
            (
                "Authorization",
                phone.credentials(
                    challenge, first, "WWW-Authenticate", password="wrong-password-x"
                ),
            )
        ],
    )
    phone.send(bad)
    assert phone.got()[-1] == "401"
    assert board.registrar.contacts_of(1, board.now) == []


def test_too_brief_expires_gets_423_with_min_expires() -> None:
    board = Switchboard()
    answer = board.phone("1001", 5070).register(expires=10)
    assert answer.status == 423
    assert answer.headers.get("Min-Expires") == "60"


def test_contact_star_with_expires_zero_removes_every_binding() -> None:
    board = Switchboard()
    board.phone("1001", 5070).register()
    phone = board.phone("1001", 5071)
    phone.register()
    assert len(board.registrar.contacts_of(1, board.now)) == 2
    answer = phone.register(expires=0, contact="*")
    assert answer.status == 200
    assert board.registrar.contacts_of(1, board.now) == []


def test_bindings_expire() -> None:
    board = Switchboard()
    board.phone("1001", 5070).register(expires=60)
    board.advance(61)
    assert board.registrar.contacts_of(1, board.now) == []


def test_stale_nonce_is_rechallenged_with_stale_true() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    first = phone.request("REGISTER", f"sip:{REALM}", to=f"<sip:1001@{REALM}>")
    phone.send(first)
    challenge = phone.last("401")
    assert isinstance(challenge, Response)
    board.advance(120)  # the nonce lives 60 s here
    late = phone.request(
        "REGISTER",
        f"sip:{REALM}",
        to=f"<sip:1001@{REALM}>",
        cseq=2,
        headers=[("Authorization", phone.credentials(challenge, first, "WWW-Authenticate"))],
    )
    phone.send(late)
    again = phone.last("401")
    assert all("stale=true" in v for v in again.headers.values("WWW-Authenticate"))


def test_replayed_nonce_count_is_forbidden() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    first = phone.request("REGISTER", f"sip:{REALM}", to=f"<sip:1001@{REALM}>")
    phone.send(first)
    challenge = phone.last("401")
    assert isinstance(challenge, Response)
    creds = phone.credentials(challenge, first, "WWW-Authenticate")
    for cseq in (2, 3):
        phone.send(
            phone.request(
                "REGISTER",
                f"sip:{REALM}",
                to=f"<sip:1001@{REALM}>",
                cseq=cseq,
                headers=[("Authorization", creds)],
            )
        )
    assert phone.got()[-2:] == ["200", "403"]


def test_someone_elses_address_of_record_is_forbidden() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    first = phone.request("REGISTER", f"sip:{REALM}", to=f"<sip:1002@{REALM}>")
    phone.send(first)
    challenge = phone.last("401")
    assert isinstance(challenge, Response)
    phone.send(
        phone.request(
            "REGISTER",
            f"sip:{REALM}",
            to=f"<sip:1002@{REALM}>",
            cseq=2,
            headers=[("Authorization", phone.credentials(challenge, first, "WWW-Authenticate"))],
        )
    )
    assert phone.got()[-1] == "403"


def test_options_answered_with_allow_accept_supported() -> None:
    board = Switchboard()
    phone = board.phone("1001", 5070)
    phone.send(phone.request("OPTIONS", f"sip:{REALM}"))
    answer = phone.last("200")
    for name in ("Allow", "Accept", "Supported"):
        assert name in answer.headers
    assert "INVITE" in (answer.headers.get("Allow") or "")
