"""A small municipality for the web tests, built through the storage repositories.

Ekby kommun at a fixed moment (a Tuesday morning in March), so that return times, due times
and telephone hours read the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from vaxel.config import Config
from vaxel.domain.accounts import DeviceKind
from vaxel.domain.callbacks import CallbackReason
from vaxel.domain.calls import CallOutcome, CallRecord
from vaxel.domain.clock import TZ
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
from vaxel.domain.organisation import UnitKind
from vaxel.domain.people import Person
from vaxel.domain.presence import Absence, AbsenceReason, Channel
from vaxel.domain.telephone_hours import TelephoneHours
from vaxel.domain.voicemail import GreetingState
from vaxel.media.wav import encode_wav
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.calls import CallRepository
from vaxel.storage.db import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.storage.registrations import Binding, RegistrationRepository
from vaxel.storage.users import Role, UserRepository
from vaxel.storage.voicemail import VoicemailRepository

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday, 10.00
SINCE = NOW - timedelta(days=400)
ACTOR = "seed"
CH = Channel.SYSTEM
PLAN = NumberPlan("+4610130", 4)
PASSWORDS = {
    "admin": "ekby-admin-123",
    "telefonist": "ekby-telefonist-123",
    "chef": "ekby-chef-1234",
    "anna": "ekby-anna-1234",
    "maja": "ekby-maja-1234",
    "per": "ekby-per-12345",
}
OFFICE = TelephoneHours(
    weekly=dict.fromkeys(range(5), ((time(8), time(16, 30)),)), eve_close=time(12)
)
MORNINGS = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(9), time(12)),)))


@dataclass
class Seeded:
    """Ids the tests refer to."""

    units: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    mailboxes: dict[str, int] = field(default_factory=dict)
    voicemails: dict[str, int] = field(default_factory=dict)
    callbacks: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)


def fixed_clock() -> datetime:
    return NOW


def make_config(data_dir: Path) -> Config:
    return Config(data_dir=data_dir, did_prefix=PLAN.did_prefix, extension_digits=4)


def open_db(config: Config) -> Database:
    db = Database(config.db_url)
    db.upgrade()
    return db


def seed(db: Database, config: Config) -> Seeded:
    ids = Seeded()
    with db.session() as s:
        d = DirectoryRepository(s)

        def unit(
            name: str, kind: UnitKind, parent: str | None, hours: TelephoneHours | None = None
        ) -> int:
            u = d.add_unit(
                name,
                kind,
                ids.units[parent] if parent else None,
                actor=ACTOR,
                channel=CH,
                telephone_hours=hours.to_json() if hours else None,
            )
            ids.units[name] = u.id
            return u.id

        unit("Ekby kommun", UnitKind.KOMMUN, None, OFFICE)
        unit("Kommunstyrelsen", UnitKind.NAMND, "Ekby kommun")
        unit("Kommunledningsförvaltningen", UnitKind.FORVALTNING, "Kommunstyrelsen")
        unit("Kontaktcenter", UnitKind.ENHET, "Kommunledningsförvaltningen")
        unit("Samhällsbyggnadsnämnden", UnitKind.NAMND, "Ekby kommun")
        unit("Samhällsbyggnadsförvaltningen", UnitKind.FORVALTNING, "Samhällsbyggnadsnämnden")
        unit("Bygglov", UnitKind.ENHET, "Samhällsbyggnadsförvaltningen", MORNINGS)
        unit("Miljö", UnitKind.ENHET, "Samhällsbyggnadsförvaltningen")
        unit("Barn- och utbildningsnämnden", UnitKind.NAMND, "Ekby kommun")
        unit(
            "Barn- och utbildningsförvaltningen",
            UnitKind.FORVALTNING,
            "Barn- och utbildningsnämnden",
        )
        unit("Skolskjuts", UnitKind.ENHET, "Barn- och utbildningsförvaltningen")

        def person(
            key: str,
            name: str,
            unit_name: str,
            title: str,
            keywords: tuple[str, ...] = (),
            extension: str | None = None,
        ) -> int:
            p = d.add_person(
                Person(
                    0,
                    name,
                    f"{key}@ekby.se",
                    ids.units[unit_name],
                    title=title,
                    keywords=keywords,
                    valid_from=SINCE.date(),
                ),
                actor=ACTOR,
                channel=CH,
            )
            ids.people[key] = p.id
            if extension:
                NumberRepository(s, PLAN).assign(
                    NumberAssignment(
                        PLAN.e164_for_extension(extension),
                        NumberKind.EXTENSION,
                        person_id=p.id,
                        extension=extension,
                        valid_from=SINCE,
                    ),
                    actor=ACTOR,
                    channel=CH,
                )
                box = VoicemailRepository(s).create_mailbox(
                    extension, p.id, actor=ACTOR, channel=CH
                )
                ids.mailboxes[key] = box.id
            return p.id

        person(
            "anna",
            "Anna Öberg",
            "Bygglov",
            "Bygglovshandläggare",
            ("bygglov", "strandskydd"),
            "4101",
        )
        person("bjorn", "Björn Ängström", "Bygglov", "Bygglovsarkitekt", ("bygglov",), "4102")
        person(
            "maja", "Maja Nilsson", "Miljö", "Miljöinspektör", ("livsmedel", "miljötillsyn"), "4103"
        )
        person("karin", "Karin Ek", "Samhällsbyggnadsförvaltningen", "Förvaltningschef", (), "4100")
        person(
            "david",
            "David Zetterberg",
            "Skolskjuts",
            "Skolskjutssamordnare",
            ("skolskjuts",),
            "4201",
        )
        person(
            "per", "Per Åberg", "Barn- och utbildningsförvaltningen", "Förvaltningschef", (), "4200"
        )
        person("elin", "Elin Lund", "Kontaktcenter", "Telefonist", ("växel",), "4001")
        d.set_verksamhetschef(
            ids.units["Samhällsbyggnadsförvaltningen"], ids.people["karin"], actor=ACTOR, channel=CH
        )
        d.set_verksamhetschef(
            ids.units["Barn- och utbildningsförvaltningen"],
            ids.people["per"],
            actor=ACTOR,
            channel=CH,
        )
        NumberRepository(s, PLAN).assign(
            NumberAssignment(
                PLAN.e164_for_extension("4000"),
                NumberKind.FUNCTION,
                unit_id=ids.units["Bygglov"],
                label="Bygglov",
                extension="4000",
                valid_from=SINCE,
            ),
            actor=ACTOR,
            channel=CH,
            telephone_hours=MORNINGS.to_json(),
        )

        presence = PresenceRepository(s)
        presence.set_absence(
            ids.people["anna"],
            Absence(AbsenceReason.MOTE, NOW + timedelta(hours=3), "Platsbesök"),
            "anna",
            Channel.WEB,
            NOW - timedelta(minutes=30),
        )
        presence.set_absence(
            ids.people["david"],
            Absence(AbsenceReason.SJUK, None),
            "david",
            Channel.PHONE,
            NOW - timedelta(days=1),
        )

        accounts = AccountRepository(s)
        desk = accounts.create(
            "4102",
            ids.people["bjorn"],
            DeviceKind.DESK,
            config.realm,
            "bjorn-desk-secret",
            actor=ACTOR,
            channel=CH,
            label="",
        )
        soft = accounts.create(
            "4102-soft",
            ids.people["bjorn"],
            DeviceKind.SOFTPHONE,
            config.realm,
            "bjorn-soft-secret",
            actor=ACTOR,
            channel=CH,
        )
        anna = accounts.create(
            "4101",
            ids.people["anna"],
            DeviceKind.DESK,
            config.realm,
            "anna-desk-secret1",
            actor=ACTOR,
            channel=CH,
        )
        ids.accounts.update({"bjorn-desk": desk.id, "bjorn-soft": soft.id, "anna-desk": anna.id})
        RegistrationRepository(s).save(
            Binding(
                desk.id,
                "sip:4102@ekby.se",
                "sip:4102@192.0.2.10:5060",
                expires_at=NOW + timedelta(hours=1),
                updated_at=NOW,
                source="192.0.2.10:5060",
                user_agent="Yealink T46U",
            )
        )

        callbacks = CallbackRepository(s)
        overdue = callbacks.create(
            "+46701234567",
            CallbackReason.MISSED_CALL,
            at=NOW - timedelta(days=5),
            actor=ACTOR,
            channel=CH,
            for_person_id=ids.people["bjorn"],
            for_unit_id=ids.units["Bygglov"],
            caller_name="Lisa Holm",
        )
        ids.callbacks["bjorn-overdue"] = overdue.id
        open_ = callbacks.create(
            "+46706543210",
            CallbackReason.VOICEMAIL,
            at=NOW - timedelta(hours=1),
            actor=ACTOR,
            channel=CH,
            for_person_id=ids.people["maja"],
            for_unit_id=ids.units["Miljö"],
            note="Fråga om livsmedelstillsyn",
        )
        ids.callbacks["maja-open"] = open_.id

        vm_dir = config.data_dir / "voicemail"
        vm_dir.mkdir(parents=True, exist_ok=True)
        silence = bytes(2 * 8000 * 2)  # two seconds at 8 kHz, 16 bits
        for key, caller in (("anna", "+46708889900"), ("maja", "+46736665544")):
            path = vm_dir / f"{key}-1.wav"
            path.write_bytes(encode_wav(silence, sample_rate=8000))
            # Relative to the data directory, so a copy of the directory works as it is.
            message = VoicemailRepository(s).add_message(
                ids.mailboxes[key], caller, NOW - timedelta(hours=2), 2.0, f"voicemail/{key}-1.wav"
            )
            ids.voicemails[key] = message.id
        VoicemailRepository(s).set_greeting(
            ids.mailboxes["bjorn"], GreetingState.NONE, actor=ACTOR, channel=CH
        )

        calls = CallRepository(s)
        calls.add(
            CallRecord(
                "+46708889900",
                PLAN.e164_for_extension("4101"),
                NOW - timedelta(hours=2),
                CallOutcome.VOICEMAIL,
                ended_at=NOW - timedelta(hours=2) + timedelta(seconds=40),
                informed=True,
            )
        )
        calls.add(
            CallRecord(
                PLAN.e164_for_extension("4101"),
                "+46855512345",
                NOW - timedelta(days=1),
                CallOutcome.ANSWERED,
                answered_at=NOW - timedelta(days=1, seconds=-8),
                ended_at=NOW - timedelta(days=1, seconds=-200),
            )
        )

        users = UserRepository(s)
        for username, role, who in (
            ("admin", Role.ADMIN, None),
            ("telefonist", Role.TELEFONIST, "elin"),
            ("chef", Role.CHEF, "karin"),
            ("anna", Role.MEDARBETARE, "anna"),
            ("maja", Role.MEDARBETARE, "maja"),
            ("per", Role.CHEF, "per"),
        ):
            users.create(
                username,
                PASSWORDS[username],
                role,
                now=NOW,
                actor=ACTOR,
                channel=CH,
                person_id=ids.people[who] if who else None,
            )
    return ids
