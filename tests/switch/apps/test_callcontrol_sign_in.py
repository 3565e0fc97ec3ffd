"""An operator signs in to the switchboard queue from the console: on their own number (the one
*21# from their phone signs in with), only with a registered phone, stored before the console
is answered, and signed out again even when the phone is gone."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from callkit import Kommun

from vaxel.app import WebCallControl
from vaxel.domain.clock import TZ
from vaxel.storage import Database
from vaxel.storage.queue_sign_ins import QueueSignInRepository
from vaxel.switch.apps.queue import SwitchboardQueue
from vaxel.switch.callcontrol import CallRefused, ConsoleCalls, SignInResult
from vaxel.web import CallControlError, Operator, QueueSignIn

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=TZ)


@dataclass
class Directory:
    numbers: dict[int, str]

    def number_of(self, person_id: int) -> str | None:
        return self.numbers.get(person_id)


@dataclass
class Calls:
    """The switch's calls, as far as signing in needs them: the queue, the SIP directory's
    numbers and who has a registered phone."""

    queues: dict[str, SwitchboardQueue]
    directory: Directory
    registered: set[int] = field(default_factory=set)

    def queue(self, name: str | None = None) -> SwitchboardQueue | None:
        return self.queues.get(name or "vaxeln")

    def contacts_of_person(self, person_id: int) -> list[tuple[str, str]]:
        return [("account", "binding")] if person_id in self.registered else []


def stored(db: Database) -> list[tuple[int, str]]:
    with db.session() as s:
        return [(x.person_id, x.number) for x in QueueSignInRepository(s).signed_in("vaxeln")]


def console_on(queue: SwitchboardQueue, numbers: dict[int, str]) -> tuple[ConsoleCalls, Calls]:
    calls = Calls({"vaxeln": queue}, Directory(numbers))
    return ConsoleCalls(calls, queue="vaxeln"), calls  # type: ignore[arg-type]


def test_sign_in_and_out_are_stored_before_the_console_hears_back(
    db: Database, kommun: Kommun
) -> None:
    olle = kommun.olle.id

    async def main() -> list[object]:
        queue = SwitchboardQueue("vaxeln", clock=lambda: NOW, database=db)
        console, calls = console_on(queue, {olle: "4001"})
        calls.registered.add(olle)
        seen: list[object] = []
        seen.append(await console.sign_in(olle, "Olle Ek"))
        seen.append(stored(db))  # no waiting here: the console reads it back at once
        seen.append([(o.person_id, o.number) for o in queue.operators()])
        seen.append(await console.sign_in(olle, "Olle Ek"))
        calls.registered.clear()  # the phone is gone: signing out still works
        seen.append(await console.sign_out(olle))
        seen.append(stored(db))
        seen.append(await console.sign_out(olle))
        seen.append(queue.operators())
        await queue.stop()
        return seen

    assert asyncio.run(main()) == [
        SignInResult(True, True, "4001"),
        [(olle, "4001")],
        [(olle, "4001")],
        SignInResult(True, False, "4001"),  # already signed in
        SignInResult(False, True),
        [],
        SignInResult(False, False),  # was not signed in
        [],
    ]


def test_no_sign_in_without_a_registered_phone_or_an_extension(
    db: Database, kommun: Kommun
) -> None:
    olle, anna = kommun.olle.id, kommun.anna.id

    async def main() -> list[tuple[str, str, int]]:
        queue = SwitchboardQueue("vaxeln", clock=lambda: NOW, database=db)
        console, calls = console_on(queue, {olle: "4001"})
        calls.registered.add(anna)  # a phone, but no number in the directory
        refusals = []
        for person_id in (olle, anna):
            with pytest.raises(CallRefused) as refused:
                await console.sign_in(person_id, "x")
            refusals.append((refused.value.message, refused.value.message_en, refused.value.status))
        assert queue.operators() == []
        await queue.stop()
        return refusals

    assert asyncio.run(main()) == [
        (
            "Du kan inte logga in i kön. Din telefon är inte registrerad. Starta den och försök "
            "igen.",
            "You cannot sign in to the queue. Your phone is not registered. Start it and try "
            "again.",
            409,
        ),
        (
            "Du kan inte logga in i kön. Du har inget anknytningsnummer.",
            "You cannot sign in to the queue. You have no extension.",
            409,
        ),
    ]
    assert stored(db) == []


def test_without_a_queue_the_console_is_told_so() -> None:
    console = ConsoleCalls(Calls({}, Directory({1: "4001"}), {1}), queue="vaxeln")  # type: ignore[arg-type]

    async def main() -> None:
        for ask in (console.sign_in(1, "Olle"), console.sign_out(1)):
            with pytest.raises(CallRefused) as refused:
                await ask
            assert (refused.value.status, refused.value.message) == (
                503,
                "Det finns ingen växelkö.",
            )

    asyncio.run(main())


def test_the_web_gets_the_sign_in_and_the_refusal_in_both_languages() -> None:
    """WebCallControl: the switch's answer as the web's QueueSignIn, a refusal as a
    CallControlError that keeps the English."""
    queue = SwitchboardQueue("vaxeln", clock=lambda: NOW)  # sign-ins in memory only
    console, calls = console_on(queue, {1: "4001", 2: "4002"})
    calls.registered.add(1)
    web = WebCallControl(console)

    async def main() -> None:
        assert await web.sign_in(Operator(1, "Olle")) == QueueSignIn(True, True, "4001")
        with pytest.raises(CallControlError) as refused:
            await web.sign_in(Operator(2, "Anna"))
        assert refused.value.status == 409
        assert refused.value.message_in("sv").startswith("Du kan inte logga in i kön.")
        assert refused.value.message_in("en").startswith("You cannot sign in to the queue.")
        assert await web.sign_out(Operator(1, "Olle")) == QueueSignIn(False, True)

    asyncio.run(main())
