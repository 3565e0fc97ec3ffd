"""What the apps say (as text), the PIN rules, and the RFC 3842 message summary."""

from __future__ import annotations

from datetime import datetime

import pytest

from vaxel.domain.clock import TZ
from vaxel.domain.voicemail import VoicemailMessage
from vaxel.switch.apps.mwi import MailboxCounts, message_summary
from vaxel.switch.apps.prompts import (
    message_counts_sv,
    message_header_sv,
    queue_position_sv,
    spoken_digits_sv,
)
from vaxel.switch.apps.voicemail import pin_problem_sv


def test_message_summary_is_rfc_3842() -> None:
    assert message_summary(2, 8) == "Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/0)\r\n"
    assert message_summary(0, 3) == "Messages-Waiting: no\r\nVoice-Message: 0/3 (0/0)\r\n"
    assert message_summary(1, 0, new_urgent=1, account="sip:4123@vaxel") == (
        "Messages-Waiting: yes\r\nMessage-Account: sip:4123@vaxel\r\nVoice-Message: 1/0 (1/0)\r\n"
    )
    with pytest.raises(ValueError):
        message_summary(-1, 0)
    with pytest.raises(ValueError):
        message_summary(1, 0, new_urgent=2)


def test_counts_of_messages() -> None:
    when = datetime(2026, 3, 10, 9, tzinfo=TZ)
    messages = [
        VoicemailMessage(i, 1, "+46701234567", when, 3.0, f"/m{i}.wav", heard=i > 2)
        for i in range(1, 6)
    ]
    assert MailboxCounts.of(messages) == MailboxCounts(new=2, old=3)
    assert MailboxCounts(2, 3).summary() == message_summary(2, 3)


def test_queue_position() -> None:
    assert queue_position_sv(1) == "Du står först i kön."
    assert queue_position_sv(3) == "Du har plats nummer tre i kön."
    assert queue_position_sv(21) == "Du har plats nummer tjugoett i kön."


def test_numbers_are_read_digit_by_digit_as_dialled_at_home() -> None:
    assert spoken_digits_sv("+46701234567") == "noll sju noll ett två tre fyra fem sex sju"
    assert spoken_digits_sv("4123") == "fyra ett två tre"
    assert spoken_digits_sv("+4721") == "plus fyra sju två ett"
    assert spoken_digits_sv("anonymous") == "okänt nummer"
    assert spoken_digits_sv("") == "okänt nummer"


def test_message_counts_agree_in_number() -> None:
    assert message_counts_sv(0, 0) == "Du har inga meddelanden."
    assert message_counts_sv(2, 8) == "Du har två nya och åtta sparade meddelanden."
    assert message_counts_sv(1, 1) == "Du har ett nytt och ett sparat meddelande."
    assert message_counts_sv(0, 2) == "Du har inga nya och två sparade meddelanden."
    assert message_counts_sv(3, 0) == "Du har tre nya och inga sparade meddelanden."


def test_message_header() -> None:
    now = datetime(2026, 3, 10, 15, 0, tzinfo=TZ)
    received = datetime(2026, 3, 10, 10, 15, tzinfo=TZ)
    assert message_header_sv(1, 2, "+46701234567", received, now) == (
        "Meddelande ett av två, från noll sju noll ett två tre fyra fem sex sju, "
        "i dag klockan tio och femton."
    )


@pytest.mark.parametrize(
    ("pin", "ok"),
    [("2468", True), ("90817263", True), ("123", False), ("123456789", False),
     ("1111", False), ("1234", False), ("9876", False), ("12a4", False), ("4123", False)],
)  # fmt: skip
def test_pin_rules(pin: str, ok: bool) -> None:
    assert (pin_problem_sv(pin, "4123") is None) is ok
