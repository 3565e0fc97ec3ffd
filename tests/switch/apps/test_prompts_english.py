"""What the apps say in English: every fixed prompt has it, and the sentences with numbers."""

from __future__ import annotations

from datetime import datetime

from vaxel.domain.clock import TZ
from vaxel.media.announcer import Prompt, Sentence
from vaxel.switch.apps import prompts
from vaxel.switch.apps.voicemail import pin_problem, pin_problem_sv


def test_every_fixed_prompt_has_english_and_its_own_id() -> None:
    fixed = [p for p in vars(prompts).values() if isinstance(p, Prompt)]
    assert len(fixed) > 30
    for prompt in fixed:
        assert prompt.text.strip() and prompt.text_en.strip(), prompt.id
        assert prompt.text != prompt.text_en, prompt.id
    ids = [p.id for p in fixed]
    assert len(ids) == len(set(ids))  # one recording per id and language


def test_numbers_read_digit_by_digit_in_english() -> None:
    assert prompts.spoken_digits_en("+46701234567") == (
        "zero seven zero one two three four five six seven"
    )
    assert (
        prompts.spoken_digits_en("+442071234") == "plus four four two zero seven one two three four"
    )
    assert prompts.spoken_digits_en("anonymous") == "an unknown number"


def test_queue_sentences_in_both_languages() -> None:
    assert prompts.queue_position(1) == Sentence(
        "Du står först i kön.", "You are first in the queue."
    )
    assert prompts.queue_position(21) == Sentence(
        "Du har plats nummer tjugoett i kön.", "You are number twenty-one in the queue."
    )
    assert prompts.queue_position_en(120) == "You are number one hundred and twenty in the queue."
    confirmed = prompts.queue_callback_confirmed("4123")
    assert confirmed.text == prompts.queue_callback_confirmed_sv("4123")
    assert confirmed.text_en == (
        "Thank you. We will call you back on four one two three as soon as we can. Goodbye."
    )


def test_message_counts_and_headers_in_english() -> None:
    assert prompts.message_counts_en(0, 0) == "You have no messages."
    assert prompts.message_counts_en(2, 1) == "You have two new and one saved message."
    assert prompts.message_counts_en(1, 0) == "You have one new and no saved messages."
    assert prompts.message_counts(2, 8).text == "Du har två nya och åtta sparade meddelanden."
    now = datetime(2026, 3, 10, 11, 0, tzinfo=TZ)
    header = prompts.message_header(1, 2, "+46701234567", now.replace(hour=10, minute=15), now)
    assert header.text_en == (
        "Message one of two, from zero seven zero one two three four five six seven, "
        "today at ten fifteen in the morning."
    )
    assert header.text.startswith("Meddelande ett av två, från noll sju noll")


def test_pin_problems_in_both_languages() -> None:
    assert pin_problem("1357", "4123") is None
    assert pin_problem("1234") == Sentence(
        "PIN-koden får inte vara siffror i följd.", "The PIN must not be digits in a row."
    )
    assert pin_problem("4123", "4123") == Sentence(
        "PIN-koden får inte vara samma som ditt anknytningsnummer.",
        "The PIN must not be the same as your extension number.",
    )
    for pin in ("12a4", "123", "7777", "98765"):
        problem = pin_problem(pin)
        assert problem is not None and problem.text == pin_problem_sv(pin)
        assert problem.text_en.startswith("The PIN")


def test_the_console_call_control_prompts_are_bilingual() -> None:
    """What a caller hears when an operator's transfer fails: Prompts (a recording may replace
    them) with English, said through ctx.say like every other announcement."""
    from vaxel.switch import callcontrol
    from vaxel.switch.routing import (
        PROMPT_TO_SWITCHBOARD,
        AnnounceStep,
        IncomingCall,
        RoutingSettings,
        SwitchboardTarget,
        route,
    )

    said = (callcontrol.TRANSFER_BACK, callcontrol.TRANSFER_FAILED, callcontrol.TO_QUEUE)
    assert all(isinstance(p, Prompt) and p.text_en for p in said)
    assert callcontrol.TRANSFER_BACK == prompts.TRANSFER_NO_ANSWER
    assert callcontrol.TRANSFER_BACK.text == "Personen svarar inte. Du kopplas tillbaka."
    assert callcontrol.TRANSFER_BACK.text_en == (
        "The person does not answer. You are being put back to the operator."
    )
    assert callcontrol.TRANSFER_FAILED.text_en == (
        "The call could not be put through. Please try again later."
    )
    # The same words, id and English as routing's "put through to the switchboard".
    plan = route(
        IncomingCall("1001", "4999", True),
        None,
        datetime(2026, 3, 10, 10, 0, tzinfo=TZ),
        RoutingSettings(switchboard=SwitchboardTarget(name="Växeln")),
    )
    to_board = plan.steps[1]
    assert isinstance(to_board, AnnounceStep) and to_board.prompt_id == PROMPT_TO_SWITCHBOARD
    same = Prompt(PROMPT_TO_SWITCHBOARD, to_board.text_sv, to_board.text_en)
    assert same == callcontrol.TO_QUEUE
