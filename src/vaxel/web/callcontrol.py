"""What the web asks of the switch: the switchboard queue, the operator's sign-in to it, and
the calls operators handle.

The switch implements ``CallControl`` and is handed to ``create_app``. Until it is, the
endpoints that need it answer 503 with a message the console shows as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


class CallControlError(Exception):
    """The switch could not do what was asked; ``message`` is shown to the user (Swedish), or
    ``message_en`` on an English page when there is one."""

    def __init__(self, message: str, status: int = 409, message_en: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.message_en = message_en

    def message_in(self, lang: str) -> str:
        return self.message_en if lang == "en" and self.message_en else self.message


@dataclass(frozen=True, slots=True)
class QueuedCall:
    """A caller waiting in the switchboard queue."""

    call_id: str
    caller_number: str
    waiting_since: datetime
    position: int
    caller_name: str = ""
    dialled: str = ""  # the number or function the caller dialled, e.g. "Växeln", "Bygglov"


@dataclass(frozen=True, slots=True)
class Operator:
    """The operator asking: the switch rings their registered phone."""

    person_id: int
    name: str


@dataclass(frozen=True, slots=True)
class QueueSignIn:
    """The operator after asking to sign in to the queue or out of it: signed in now or not,
    whether the request changed that, and the number the queue rings for them."""

    signed_in: bool
    changed: bool
    number: str = ""


@runtime_checkable
class CallControl(Protocol):
    """Call handling by the switch, as the web needs it. Raise ``CallControlError`` to refuse."""

    def queue(self) -> list[QueuedCall]:
        """The switchboard queue now, first in line first."""
        ...

    async def answer_next(self, operator: Operator) -> QueuedCall | None:
        """Connect the longest-waiting caller to the operator's phone (None: queue empty)."""
        ...

    async def pick(self, call_id: str, operator: Operator) -> QueuedCall:
        """Connect a chosen caller from the queue to the operator's phone."""
        ...

    async def sign_in(self, operator: Operator) -> QueueSignIn:
        """Sign the operator in to the queue on their own number (as *21# from their phone);
        refused while they have no registered phone. Returns once the sign-in is stored."""
        ...

    async def sign_out(self, operator: Operator) -> QueueSignIn:
        """Sign the operator out of the queue (as #21#). Returns once that is stored."""
        ...

    async def transfer_blind(self, call_id: str, target: str, operator: Operator) -> None:
        """Hand the operator's call to ``target`` (a number); it returns if nobody answers."""
        ...

    async def transfer_consult(self, call_id: str, target: str, operator: Operator) -> None:
        """Put the caller on hold and call ``target`` so the operator can speak first."""
        ...

    async def complete_transfer(self, call_id: str, operator: Operator) -> None:
        """Join the caller to the person consulted and leave the call."""
        ...

    async def cancel_transfer(self, call_id: str, operator: Operator) -> None:
        """End the consultation and go back to the caller."""
        ...

    async def click_to_call(self, person_id: int, number: str) -> None:
        """Ring the person's own phone, then connect it to ``number`` (callbacks)."""
        ...
