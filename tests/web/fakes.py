"""A stand-in for the switch's call control, recording what the web asked of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from seeding import NOW

from vaxel.web import CallControlError, Operator, QueuedCall


@dataclass
class FakeSwitch:
    calls: list[QueuedCall] = field(
        default_factory=lambda: [
            QueuedCall("c1", "+46701112233", NOW - timedelta(seconds=75), 1, "", "Växeln"),
            QueuedCall("c2", "+46702223344", NOW - timedelta(seconds=20), 2, "Eva Sund", "Bygglov"),
        ]
    )
    asked: list[tuple[str, ...]] = field(default_factory=list)

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
