"""Feature codes on a call: hänvisning through storage's one presence path, said in Swedish."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from callkit import Kommun, open_call, spoken_frames

from vaxel.domain.clock import TZ
from vaxel.domain.presence import AbsenceReason, Channel
from vaxel.media.speech import Speech
from vaxel.storage import Database
from vaxel.storage.presence import PresenceRepository
from vaxel.switch.apps.features import FeatureApp, FeatureResult
from vaxel.switch.apps.queue import SwitchboardQueue
from vaxel.switch.call_context import CallInfo
from vaxel.switch.feature_codes import ClearAbsence, QueueSignIn, SetAbsence

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)


def dial(
    app: FeatureApp, speech: Speech, kommun: Kommun, code: str, expect_said: str | None = None
) -> FeatureResult:
    """Anna dials a code from her own phone; returns what the app did (after hearing it)."""
    frames = None if expect_said is None else spoken_frames(speech, expect_said)

    async def main() -> FeatureResult:
        info = CallInfo(f"fc-{code}", "4123", code, "Anna Lind", caller_person_id=kommun.anna.id)
        call, phone, signalling = await open_call(speech, info, clock=lambda: NOW)
        result = await app.run(call)
        assert signalling.hangups == 1  # said, then hung up: never a silent end
        if frames is not None:
            await phone.heard(frames, timeout=2)
        phone.session.close()
        return result

    return asyncio.run(main())


def test_lunch_until_one_is_set_by_code_and_cleared(
    db: Database, kommun: Kommun, speech: Speech
) -> None:
    app = FeatureApp(db)
    said = "Hänvisning: på lunch, åter i dag klockan tretton."
    result = dial(app, speech, kommun, "*23*1*1300#", said)
    assert isinstance(result.command, SetAbsence) and result.done and result.said == said
    with db.session() as s:
        absence = PresenceRepository(s).current(kommun.anna.id, NOW)
    assert absence is not None and absence.reason is AbsenceReason.LUNCH
    assert absence.until == datetime(2026, 3, 10, 13, 0, tzinfo=TZ)
    assert absence.channel is Channel.PHONE and absence.set_by == "Anna Lind"

    result = dial(app, speech, kommun, "#23#", "Hänvisningen är borttagen.")
    assert isinstance(result.command, ClearAbsence) and result.done
    with db.session() as s:
        presence = PresenceRepository(s)
        assert presence.current(kommun.anna.id, NOW) is None
        history = presence.history(kommun.anna.id)
    assert [(h.absence is None, h.channel) for h in history] == [
        (True, Channel.PHONE),
        (False, Channel.PHONE),
    ]
    # Clearing again: nothing to clear, and the caller is told so.
    again = dial(app, speech, kommun, "#23#", "Du har ingen hänvisning.")
    assert again.done


def test_a_malformed_code_is_announced_and_changes_nothing(
    db: Database, kommun: Kommun, speech: Speech
) -> None:
    app = FeatureApp(db)
    said = "Ange tiden med fyra siffror, timmar och minuter, till exempel 1300."
    result = dial(app, speech, kommun, "*23*1*99#", said)
    assert result.command is None and not result.done and result.said == said
    result = dial(app, speech, kommun, "*55#", "Koden finns inte.")
    assert not result.done
    with db.session() as s:
        assert PresenceRepository(s).history(kommun.anna.id) == []


def test_codes_need_the_callers_own_phone(db: Database, kommun: Kommun, speech: Speech) -> None:
    app = FeatureApp(db)
    refused = spoken_frames(speech, "Tjänstekoden kan bara användas från din egen anknytning.")

    async def main() -> FeatureResult:
        info = CallInfo("fc-ext", "+46701234567", "*23*1*1300#")  # from outside
        call, phone, _ = await open_call(speech, info, clock=lambda: NOW)
        result = await app.run(call)
        await phone.heard(refused, timeout=2)
        phone.session.close()
        return result

    assert not asyncio.run(main()).done


def test_operators_sign_in_and_out_of_the_queue(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    queue = SwitchboardQueue("vaxeln", clock=lambda: NOW)
    app = FeatureApp(db, queue=queue)
    result = dial(app, speech, kommun, "*21#", "Du är inloggad i växelkön.")
    assert isinstance(result.command, QueueSignIn) and result.done
    assert [(o.person_id, o.number) for o in queue.operators()] == [(kommun.anna.id, "4123")]
    dial(app, speech, kommun, "*21#", "Du är redan inloggad i växelkön.")
    dial(app, speech, kommun, "#21#", "Du är utloggad ur växelkön.")
    assert queue.operators() == []
