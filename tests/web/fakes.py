"""A stand-in for the switch's call control, recording what the web asked of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from seeding import NOW

from vaxel.storage.db import Database
from vaxel.storage.queue_sign_ins import QueueSignInRepository
from vaxel.web import CallControlError, Operator, QueuedCall, QueueSignIn

NOT_REGISTERED = (
    "Du kan inte logga in i kön. Din telefon är inte registrerad. Starta den och försök igen.",
    "You cannot sign in to the queue. Your phone is not registered. Start it and try again.",
)  # the switch's words (switch.callcontrol)


@dataclass
class FakeSwitch:
    calls: list[QueuedCall] = field(
        default_factory=lambda: [
            QueuedCall("c1", "+46701112233", NOW - timedelta(seconds=75), 1, "", "Växeln"),
            QueuedCall("c2", "+46702223344", NOW - timedelta(seconds=20), 2, "Eva Sund", "Bygglov"),
        ]
    )
    asked: list[tuple[str, ...]] = field(default_factory=list)
    phones: dict[int, str] = field(default_factory=dict)  # person id → number of a registered phone
    database: Database | None = None  # set: sign-ins are stored, as the switch's queue does

    async def sign_in(self, operator: Operator) -> QueueSignIn:
        self.asked.append(("sign_in", str(operator.person_id)))
        number = self.phones.get(operator.person_id)
        if number is None:
            raise CallControlError(NOT_REGISTERED[0], 409, NOT_REGISTERED[1])
        changed = True
        if self.database is not None:
            with self.database.session() as s:
                queue = QueueSignInRepository(s)
                changed = all(x.person_id != operator.person_id for x in queue.signed_in("vaxeln"))
                queue.sign_in("vaxeln", operator.person_id, number, NOW)
        return QueueSignIn(True, changed, number)

    async def sign_out(self, operator: Operator) -> QueueSignIn:
        self.asked.append(("sign_out", str(operator.person_id)))
        changed = True
        if self.database is not None:
            with self.database.session() as s:
                changed = QueueSignInRepository(s).sign_out("vaxeln", operator.person_id)
        return QueueSignIn(False, changed)

    def queue(self) -> list[QueuedCall]:
        return list(self.calls)

    async def answer_next(self, operator: Operator) -> QueuedCall | None:
        self.asked.append(("answer_next", str(operator.person_id)))
        return self.calls.pop(0) if self.calls else None

    async def pick(self, call_id: str, operator: Operator) -> QueuedCall:
        self.asked.append(("pick", call_id, str(operator.person_id)))
        for call in self.calls:
            if call.call_id == call_id:
                self.calls.remove(call)
                return call
        raise CallControlError("Samtalet finns inte längre i kön.", 404)

    async def transfer_blind(self, call_id: str, target: str, operator: Operator) -> None:
        self.asked.append(("blind", call_id, target))

    async def transfer_consult(self, call_id: str, target: str, operator: Operator) -> None:
        self.asked.append(("consult", call_id, target))

    async def complete_transfer(self, call_id: str, operator: Operator) -> None:
        self.asked.append(("complete", call_id))

    async def cancel_transfer(self, call_id: str, operator: Operator) -> None:
        self.asked.append(("cancel", call_id))

    async def click_to_call(self, person_id: int, number: str) -> None:
        self.asked.append(("click_to_call", str(person_id), number))
