"""What the media apps say, in Swedish and English, as text for speech (pure; numbers in words).

Fixed sentences are `Prompt`s: a prompt id, so that a recording can replace the generated speech
(`<prompts>/sv/<id>.wav` and `<prompts>/en/<id>.wav`, see media.speech), and the Swedish and
English text. Sentences with numbers or names in them are `Sentence`s, always generated. Which of
the two languages the caller hears, and in which order, is the switch's setting (media.speech).

`warm_up(speech)` renders every fixed prompt (`FIXED`, and the places in the queue that most
switchboard callers hear first) in the switch's languages in a worker thread when the server
starts, so the first caller after a start does not wait in silence for espeak-ng.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from vaxel.domain.phrases import cardinal_en, cardinal_sv, say_time_en, say_time_sv
from vaxel.media.announcer import Prompt, Sentence, passes, text_in
from vaxel.media.speech import Said, Speech, WarmUp
from vaxel.switch.routing import PROMPT_TO_SWITCHBOARD

_DIGIT_WORDS = ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio")
_DIGIT_WORDS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# --- Fixed prompts --------------------------------------------------------------------------

GOODBYE = Prompt("goodbye", "Tack för att du ringde. Hej då.", "Thank you for calling. Goodbye.")
TECHNICAL_ERROR = Prompt(
    "technical_error",
    "Ett tekniskt fel har uppstått. Försök gärna igen om en stund.",
    "A technical error has occurred. Please try again in a little while.",
)
QUEUE_UNAVAILABLE = Prompt(
    "queue_unavailable",
    "Växeln kan inte ta emot samtal just nu. Försök gärna igen senare.",
    "The switchboard cannot take calls right now. Please try again later.",
)
QUEUE_CALLBACK_OFFER = Prompt(
    "queue_callback_offer",
    "Du kan också lägga på och bli uppringd. Tryck 1 så ringer vi upp dig.",
    "You can also hang up and be called back. Press 1 and we will call you back.",
)
QUEUE_NO_OPERATOR = Prompt(
    "queue_no_operator",
    "Just nu är ingen telefonist ledig. Vänta kvar så svarar vi så snart vi kan.",
    "No operator is free right now. Please hold and we will answer as soon as we can.",
)
QUEUE_CALLBACK_FAILED = Prompt(
    "queue_callback_failed",
    "Vi kunde tyvärr inte registrera en återuppringning. Vänta kvar.",
    "Sorry, we could not register a callback. Please hold.",
)

VOICEMAIL_UNAVAILABLE = Prompt(
    "voicemail_unavailable",
    "Röstbrevlådan är inte tillgänglig.",
    "Voicemail is not available.",
)
VM_SAVED = Prompt(
    "vm_saved",
    "Tack, ditt meddelande är sparat. Hej då.",
    "Thank you, your message is saved. Goodbye.",
)
VM_TOO_SHORT = Prompt(
    "vm_too_short",
    "Meddelandet blev för kort. Försök igen efter tonen.",
    "The message was too short. Please try again after the tone.",
)
VM_NOT_SAVED = Prompt("vm_not_saved", "Inget meddelande sparades.", "No message was saved.")
VM_ENTER_MAILBOX = Prompt(
    "vm_enter_mailbox",
    "Ange numret till röstbrevlådan, och avsluta med fyrkant.",
    "Enter the mailbox number, followed by the hash key.",
)
VM_NO_MAILBOX = Prompt(
    "vm_no_mailbox",
    "Det finns ingen röstbrevlåda med det numret.",
    "There is no mailbox with that number.",
)
VM_ENTER_PIN = Prompt(
    "vm_enter_pin",
    "Ange din PIN-kod, och avsluta med fyrkant.",
    "Enter your PIN, followed by the hash key.",
)
VM_WRONG_PIN = Prompt("vm_wrong_pin", "Fel PIN-kod.", "Wrong PIN.")
VM_LOCKED = Prompt(
    "vm_locked",
    "För många felaktiga försök. Röstbrevlådan är spärrad en stund. Hej då.",
    "Too many wrong attempts. The mailbox is locked for a while. Goodbye.",
)
VM_NO_PIN_SET = Prompt(
    "vm_no_pin_set",
    "Röstbrevlådan har ingen PIN-kod. Ring från din egen telefon för att välja en.",
    "The mailbox has no PIN. Call from your own phone to choose one.",
)
VM_CHOOSE_PIN = Prompt(
    "vm_choose_pin",
    "Välj en PIN-kod för din röstbrevlåda, fyra till åtta siffror, och avsluta med fyrkant.",
    "Choose a PIN for your mailbox, four to eight digits, followed by the hash key.",
)
VM_REPEAT_PIN = Prompt(
    "vm_repeat_pin", "Ange samma PIN-kod en gång till.", "Enter the same PIN once more."
)
VM_PIN_MISMATCH = Prompt("vm_pin_mismatch", "Koderna var inte lika.", "The PINs did not match.")
VM_PIN_SAVED = Prompt("vm_pin_saved", "Din PIN-kod är sparad.", "Your PIN is saved.")
VM_MAIN_MENU = Prompt(
    "vm_main_menu",
    "Tryck 1 för att lyssna på dina meddelanden, 5 för att spela in din hälsningsfras, "
    "eller fyrkant för att avsluta.",
    "Press 1 to listen to your messages, 5 to record your greeting, or the hash key to finish.",
)
VM_MESSAGE_MENU = Prompt(
    "vm_message_menu",
    "Tryck 1 för att lyssna igen, 2 för att spara, 3 för att radera, "
    "eller fyrkant för nästa meddelande.",
    "Press 1 to listen again, 2 to save, 3 to delete, or the hash key for the next message.",
)
VM_MESSAGE_SAVED = Prompt("vm_message_saved", "Meddelandet är sparat.", "The message is saved.")
VM_MESSAGE_DELETED = Prompt(
    "vm_message_deleted", "Meddelandet är raderat.", "The message is deleted."
)
VM_NO_MORE = Prompt("vm_no_more", "Det finns inga fler meddelanden.", "There are no more messages.")
VM_CANNOT_PLAY = Prompt(
    "vm_cannot_play", "Meddelandet kan inte spelas upp.", "The message cannot be played."
)
VM_GREETING_RECORD = Prompt(
    "vm_greeting_record",
    "Spela in din hälsningsfras efter tonen. Säg ditt namn och var du arbetar. "
    "Tryck fyrkant när du är klar.",
    "Record your greeting after the tone. Say your name and where you work. "
    "Press the hash key when you are done.",
)
VM_GREETING_MENU = Prompt(
    "vm_greeting_menu",
    "Tryck 1 för att lyssna på hälsningsfrasen, 2 för att spara den, "
    "eller 3 för att spela in den igen.",
    "Press 1 to listen to the greeting, 2 to save it, or 3 to record it again.",
)
VM_GREETING_SAVED = Prompt(
    "vm_greeting_saved", "Din hälsningsfras är sparad.", "Your greeting is saved."
)
VM_GREETING_NOT_SAVED = Prompt(
    "vm_greeting_not_saved", "Hälsningsfrasen sparades inte.", "The greeting was not saved."
)
VM_GREETING_TOO_SHORT = Prompt(
    "vm_greeting_too_short",
    "Hälsningsfrasen blev för kort. Försök igen efter tonen.",
    "The greeting was too short. Please try again after the tone.",
)
VM_NO_OWN_MAILBOX = Prompt(
    "vm_no_own_mailbox",
    "Det finns ingen röstbrevlåda för din anknytning.",
    "There is no mailbox for your extension.",
)
WRONG_CHOICE = Prompt("wrong_choice", "Felaktigt val.", "Invalid choice.")

FEATURE_UNKNOWN_CODE = Prompt("feature_unknown_code", "Koden finns inte.", "There is no such code.")
FEATURE_OWN_PHONE_ONLY = Prompt(
    "feature_own_phone_only",
    "Tjänstekoden kan bara användas från din egen anknytning.",
    "This code can only be used from your own extension.",
)
FEATURE_NOT_ABSENT = Prompt(
    "feature_not_absent", "Du har ingen hänvisning.", "You have no diversion set."
)
FEATURE_NO_QUEUE = Prompt(
    "feature_no_queue",
    "Det finns ingen växelkö att logga in i.",
    "There is no switchboard queue to sign in to.",
)
FEATURE_ALREADY_IN = Prompt(
    "feature_already_in",
    "Du är redan inloggad i växelkön.",
    "You are already signed in to the switchboard queue.",
)
FEATURE_NOT_IN = Prompt(
    "feature_not_in",
    "Du var inte inloggad i växelkön.",
    "You were not signed in to the switchboard queue.",
)

# The operator console's transfers (switch.callcontrol). TO_SWITCHBOARD is routing's sentence
# too (an AnnounceStep with the same id): one recording replaces both.
TRANSFER_NO_ANSWER = Prompt(
    "transfer_no_answer",
    "Personen svarar inte. Du kopplas tillbaka.",
    "The person does not answer. You are being put back to the operator.",
)
TRANSFER_FAILED = Prompt(
    "transfer_failed",
    "Samtalet kunde inte kopplas. Försök gärna igen senare.",
    "The call could not be put through. Please try again later.",
)
TO_SWITCHBOARD = Prompt(
    PROMPT_TO_SWITCHBOARD,
    "Du kopplas nu till växeln.",
    "You are being put through to the switchboard.",
)


# --- Sentences with numbers -----------------------------------------------------------------


def _read_digits(number: str, words: tuple[str, ...], plus: str, unknown: str) -> str:
    # Swedish numbers (+46…) are read as dialled at home, with the leading zero.
    text = number.strip()
    digits = text.removeprefix("+")
    if not (digits and digits.isascii() and digits.isdigit()):
        return unknown
    prefix = ""
    if text.startswith("+46"):
        digits = "0" + text[3:]
    elif text.startswith("+"):
        prefix = f"{plus} "
    return prefix + " ".join(words[int(c)] for c in digits)


def spoken_digits_sv(number: str) -> str:
    """A phone number read digit by digit: "+46701234567" → "noll sju noll ett två …".

    Swedish numbers (+46…) are read as dialled at home, with the leading zero.
    """
    return _read_digits(number, _DIGIT_WORDS, "plus", "okänt nummer")


def spoken_digits_en(number: str) -> str:
    """ "+46701234567" → "zero seven zero one two …"; "+4420…" → "plus four four two zero …"."""
    return _read_digits(number, _DIGIT_WORDS_EN, "plus", "an unknown number")


def queue_position_sv(position: int) -> str:
    """ "Du står först i kön." / "Du har plats nummer tre i kön." """
    if position <= 1:
        return "Du står först i kön."
    return f"Du har plats nummer {cardinal_sv(position)} i kön."


def queue_position_en(position: int) -> str:
    """ "You are first in the queue." / "You are number three in the queue." """
    if position <= 1:
        return "You are first in the queue."
    return f"You are number {cardinal_en(position)} in the queue."


def queue_position(position: int) -> Sentence:
    """The caller's place in the queue, in Swedish and English."""
    return Sentence(queue_position_sv(position), queue_position_en(position))


def queue_callback_confirmed_sv(number: str) -> str:
    return f"Tack. Vi ringer upp dig på nummer {spoken_digits_sv(number)} så snart vi kan. Hej då."


def queue_callback_confirmed_en(number: str) -> str:
    return (
        f"Thank you. We will call you back on {spoken_digits_en(number)} as soon as we can. "
        "Goodbye."
    )


def queue_callback_confirmed(number: str) -> Sentence:
    """The callback the caller asked for, with the number we will call, in both languages."""
    return Sentence(queue_callback_confirmed_sv(number), queue_callback_confirmed_en(number))


def message_counts_sv(new: int, saved: int) -> str:
    """ "Du har två nya och ett sparat meddelande." — the noun agrees with the last number."""
    if new == 0 and saved == 0:
        return "Du har inga meddelanden."
    new_part = "inga nya" if new == 0 else ("ett nytt" if new == 1 else f"{cardinal_sv(new)} nya")
    if saved == 0:
        saved_part = "inga sparade"
    elif saved == 1:
        saved_part = "ett sparat"
    else:
        saved_part = f"{cardinal_sv(saved)} sparade"
    noun = "meddelande" if saved == 1 else "meddelanden"
    return f"Du har {new_part} och {saved_part} {noun}."


def message_counts_en(new: int, saved: int) -> str:
    """ "You have two new and one saved message." — the noun agrees with the last number."""
    if new == 0 and saved == 0:
        return "You have no messages."
    new_part = "no" if new == 0 else cardinal_en(new)
    saved_part = "no" if saved == 0 else cardinal_en(saved)
    noun = "message" if saved == 1 else "messages"
    return f"You have {new_part} new and {saved_part} saved {noun}."


def message_counts(new: int, saved: int) -> Sentence:
    return Sentence(message_counts_sv(new, saved), message_counts_en(new, saved))


def message_header_sv(
    index: int, total: int, caller_number: str, received_at: datetime, now: datetime
) -> str:
    """ "Meddelande ett av två, från noll sju noll …, i dag klockan tio och femton." """
    return (
        f"Meddelande {cardinal_sv(index)} av {cardinal_sv(total)}, "
        f"från {spoken_digits_sv(caller_number)}, "
        f"{say_time_sv(received_at, now)}."
    )


def message_header_en(
    index: int, total: int, caller_number: str, received_at: datetime, now: datetime
) -> str:
    """ "Message one of two, from zero seven zero …, today at ten fifteen in the morning." """
    return (
        f"Message {cardinal_en(index)} of {cardinal_en(total)}, "
        f"from {spoken_digits_en(caller_number)}, "
        f"{say_time_en(received_at, now)}."
    )


def message_header(
    index: int, total: int, caller_number: str, received_at: datetime, now: datetime
) -> Sentence:
    return Sentence(
        message_header_sv(index, total, caller_number, received_at, now),
        message_header_en(index, total, caller_number, received_at, now),
    )


# --- Rendered ahead of time -----------------------------------------------------------------

# Every fixed prompt above, in the order they are defined.
FIXED: tuple[Prompt, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Prompt))
# The first thing nearly every switchboard caller hears: their place in a short queue.
QUEUE_PLACES: tuple[Sentence, ...] = tuple(queue_position(n) for n in range(1, 6))


def said(items: Iterable[Prompt | Sentence], languages: Sequence[str]) -> list[Said]:
    """The sentences a caller hears for these items with the switch set to `languages`, text
    for text as the announcer says them (media.announcer: `passes`), so they hit its cache."""
    out: list[Said] = []
    for item in items:
        prompt_id = item.id if isinstance(item, Prompt) else None
        for part in passes([item], languages):
            for _, language in part:
                text = text_in(item, language) or item.text
                out.append(Said(prompt_id, text, language))
    return out


def warm_up(speech: Speech, extra: Iterable[Prompt] = ()) -> WarmUp:
    """Render the fixed prompts (with `extra`, fixed prompts kept elsewhere) and the places
    in the queue, in the speech's languages, in a worker thread; returns at once."""
    return speech.warm_up(said((*FIXED, *extra, *QUEUE_PLACES), speech.languages))
