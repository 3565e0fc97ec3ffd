"""What the media apps say, as Swedish text for speech (pure; numbers written as words).

Fixed sentences carry a prompt id so that a recorded prompt can replace the generated one
(`<prompts>/sv/<id>.wav`, see media.speech); sentences with numbers or names in them are
always generated.
"""

from __future__ import annotations

from datetime import datetime

from vaxel.domain.phrases import cardinal_sv, say_time_sv
from vaxel.media.announcer import Prompt

_DIGIT_WORDS = ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio")

# --- Fixed prompts --------------------------------------------------------------------------

GOODBYE = Prompt("goodbye", "Tack för att du ringde. Hej då.")
TECHNICAL_ERROR = Prompt(
    "technical_error", "Ett tekniskt fel har uppstått. Försök gärna igen om en stund."
)
QUEUE_UNAVAILABLE = Prompt(
    "queue_unavailable", "Växeln kan inte ta emot samtal just nu. Försök gärna igen senare."
)
QUEUE_CALLBACK_OFFER = Prompt(
    "queue_callback_offer",
    "Du kan också lägga på och bli uppringd. Tryck 1 så ringer vi upp dig.",
)
QUEUE_NO_OPERATOR = Prompt(
    "queue_no_operator",
    "Just nu är ingen telefonist ledig. Vänta kvar så svarar vi så snart vi kan.",
)
QUEUE_CALLBACK_FAILED = Prompt(
    "queue_callback_failed", "Vi kunde tyvärr inte registrera en återuppringning. Vänta kvar."
)

VM_SAVED = Prompt("vm_saved", "Tack, ditt meddelande är sparat. Hej då.")
VM_TOO_SHORT = Prompt("vm_too_short", "Meddelandet blev för kort. Försök igen efter tonen.")
VM_NOT_SAVED = Prompt("vm_not_saved", "Inget meddelande sparades.")
VM_ENTER_MAILBOX = Prompt(
    "vm_enter_mailbox", "Ange numret till röstbrevlådan, och avsluta med fyrkant."
)
VM_NO_MAILBOX = Prompt("vm_no_mailbox", "Det finns ingen röstbrevlåda med det numret.")
VM_ENTER_PIN = Prompt("vm_enter_pin", "Ange din PIN-kod, och avsluta med fyrkant.")
VM_WRONG_PIN = Prompt("vm_wrong_pin", "Fel PIN-kod.")
VM_LOCKED = Prompt(
    "vm_locked", "För många felaktiga försök. Röstbrevlådan är spärrad en stund. Hej då."
)
VM_NO_PIN_SET = Prompt(
    "vm_no_pin_set",
    "Röstbrevlådan har ingen PIN-kod. Ring från din egen telefon för att välja en.",
)
VM_CHOOSE_PIN = Prompt(
    "vm_choose_pin",
    "Välj en PIN-kod för din röstbrevlåda, fyra till åtta siffror, och avsluta med fyrkant.",
)
VM_REPEAT_PIN = Prompt("vm_repeat_pin", "Ange samma PIN-kod en gång till.")
VM_PIN_MISMATCH = Prompt("vm_pin_mismatch", "Koderna var inte lika.")
VM_PIN_SAVED = Prompt("vm_pin_saved", "Din PIN-kod är sparad.")
VM_MAIN_MENU = Prompt(
    "vm_main_menu",
    "Tryck 1 för att lyssna på dina meddelanden, 5 för att spela in din hälsningsfras, "
    "eller fyrkant för att avsluta.",
)
VM_MESSAGE_MENU = Prompt(
    "vm_message_menu",
    "Tryck 1 för att lyssna igen, 2 för att spara, 3 för att radera, "
    "eller fyrkant för nästa meddelande.",
)
VM_MESSAGE_SAVED = Prompt("vm_message_saved", "Meddelandet är sparat.")
VM_MESSAGE_DELETED = Prompt("vm_message_deleted", "Meddelandet är raderat.")
VM_NO_MORE = Prompt("vm_no_more", "Det finns inga fler meddelanden.")
VM_GREETING_RECORD = Prompt(
    "vm_greeting_record",
    "Spela in din hälsningsfras efter tonen. Säg ditt namn och var du arbetar. "
    "Tryck fyrkant när du är klar.",
)
VM_GREETING_MENU = Prompt(
    "vm_greeting_menu",
    "Tryck 1 för att lyssna på hälsningsfrasen, 2 för att spara den, "
    "eller 3 för att spela in den igen.",
)
VM_GREETING_SAVED = Prompt("vm_greeting_saved", "Din hälsningsfras är sparad.")
VM_GREETING_NOT_SAVED = Prompt("vm_greeting_not_saved", "Hälsningsfrasen sparades inte.")
VM_GREETING_TOO_SHORT = Prompt(
    "vm_greeting_too_short", "Hälsningsfrasen blev för kort. Försök igen efter tonen."
)
VM_NO_OWN_MAILBOX = Prompt("vm_no_own_mailbox", "Det finns ingen röstbrevlåda för din anknytning.")
WRONG_CHOICE = Prompt("wrong_choice", "Felaktigt val.")

FEATURE_OWN_PHONE_ONLY = Prompt(
    "feature_own_phone_only", "Tjänstekoden kan bara användas från din egen anknytning."
)
FEATURE_NOT_ABSENT = Prompt("feature_not_absent", "Du har ingen hänvisning.")
FEATURE_NO_QUEUE = Prompt("feature_no_queue", "Det finns ingen växelkö att logga in i.")
FEATURE_ALREADY_IN = Prompt("feature_already_in", "Du är redan inloggad i växelkön.")
FEATURE_NOT_IN = Prompt("feature_not_in", "Du var inte inloggad i växelkön.")


# --- Sentences with numbers -----------------------------------------------------------------


def spoken_digits_sv(number: str) -> str:
    """A phone number read digit by digit: "+46701234567" → "noll sju noll ett två …".

    Swedish numbers (+46…) are read as dialled at home, with the leading zero.
    """
    text = number.strip()
    digits = text.removeprefix("+")
    if not (digits and digits.isascii() and digits.isdigit()):
        return "okänt nummer"
    prefix = ""
    if text.startswith("+46"):
        digits = "0" + text[3:]
    elif text.startswith("+"):
        prefix = "plus "
    return prefix + " ".join(_DIGIT_WORDS[int(c)] for c in digits)


def queue_position_sv(position: int) -> str:
    """ "Du står först i kön." / "Du har plats nummer tre i kön." """
    if position <= 1:
        return "Du står först i kön."
    return f"Du har plats nummer {cardinal_sv(position)} i kön."


def queue_callback_confirmed_sv(number: str) -> str:
    return f"Tack. Vi ringer upp dig på nummer {spoken_digits_sv(number)} så snart vi kan. Hej då."


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


def message_header_sv(
    index: int, total: int, caller_number: str, received_at: datetime, now: datetime
) -> str:
    """ "Meddelande ett av två, från noll sju noll …, i dag klockan tio och femton." """
    return (
        f"Meddelande {cardinal_sv(index)} av {cardinal_sv(total)}, "
        f"från {spoken_digits_sv(caller_number)}, "
        f"{say_time_sv(received_at, now)}."
    )
