"""A demo municipality, Sjöstads kommun (fictional), so that vaxel has something to show.

``ensure_demo`` creates it on the first run, in one transaction, and reuses it after: units and
bolag with their verksamhetschefer, about 300 people with numbers, telephone hours, absences,
callbacks, mailboxes, barring decisions, the telephony policy in the register, web log-ins and
SIP accounts with known passwords, and six months of synthetic call records. Everything is
drawn from a seeded random generator, so two runs on the same day give the same municipality.

About four mailboxes in five have a recorded greeting, and it is really there: spoken by
espeak-ng into the data directory while the rest is built (greetings.py).

Each demo log-in also has something of its own to see on first log-in (``_first_day``): the
chef's förvaltning has requests for exceptions to decide, someone sick without a return time,
an overdue callback and a mailbox without a greeting; the admin has a request from the top of
the organisation, which only an administrator decides; the medarbetare has a message to call
back and an approved exception; the telefonist and a colleague are signed in to the queue.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from importlib import resources

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vaxel.config import Config, ConfigError
from vaxel.demo.greetings import GreetingRecorder, greeting_text
from vaxel.domain.accounts import DeviceKind
from vaxel.domain.barring import BarringClass, BarringException, ExceptionKind
from vaxel.domain.callbacks import CallbackReason
from vaxel.domain.calls import CallOutcome, CallRecord
from vaxel.domain.clock import at_local, local
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
from vaxel.domain.organisation import Unit, UnitKind
from vaxel.domain.organisation import parse_kind as parse_unit_kind
from vaxel.domain.people import Person, PersonKind
from vaxel.domain.policy_register import (
    TELEFONIPOLICY,
    AdoptedBy,
    DocumentKind,
    PolicyDocument,
    Revision,
)
from vaxel.domain.presence import Absence, AbsenceReason, Channel
from vaxel.domain.telephone_hours import TelephoneHours
from vaxel.domain.text import fold
from vaxel.domain.voicemail import GreetingState
from vaxel.storage import Database
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.barring import BarringRepository
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.calls import CallRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.models import CallRow, MailboxRow, PersonRow, UnitRow
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.policy import PolicyRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.storage.queue_sign_ins import QueueSignInRepository
from vaxel.storage.users import Role, UserRepository
from vaxel.storage.voicemail import VoicemailRepository

KOMMUN = "Sjöstads kommun"
DOMAIN = "sjostad.se"
SEED = 2018_06_25
ACTOR = "demo"
CH = Channel.SYSTEM
CALL_DAYS = 182
PREFIXES = ("70", "72", "73", "76", "54", "8")  # callers: mobiles, the county, Stockholm
SWITCHBOARD_QUEUE = "vaxeln"  # the switch's queue (CallSettings.switchboard_queue)


def _names() -> tuple[list[str], list[str]]:
    text = resources.files(__package__).joinpath("names.txt").read_text("utf-8")
    first, last = (line.split() for line in text.splitlines() if not line.startswith("#"))
    return first, last


FIRST_NAMES, LAST_NAMES = _names()

# The demo's log-ins: (role, user name, password, e-mail of the person, or None).
WEB_LOGINS = (
    (Role.ADMIN, "admin", "sjostad-admin", None),
    (Role.TELEFONIST, "telefonist", "sjostad-telefonist", "telefonist"),
    (Role.CHEF, "chef", "sjostad-chef", "chef"),
    (Role.MEDARBETARE, "medarbetare", "sjostad-medarbetare", "medarbetare"),
)
SIP_PASSWORDS = (
    "demo-sip-alfa",
    "demo-sip-beta",
    "demo-sip-gamma",
    "demo-sip-delta",
    "demo-sip-epsilon",
)

OFFICE = TelephoneHours(
    weekly=dict.fromkeys(range(5), ((time(8), time(16, 30)),)), eve_close=time(12)
)
MORNINGS = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(9), time(12)),)))
ALWAYS = TelephoneHours(
    weekly=dict.fromkeys(range(7), ((time(0), time(23, 59)),)), holidays_closed=False
)


@dataclass(frozen=True, slots=True)
class U:
    """A unit of the demo tree: name, kind, staff, titles, keywords, children."""

    name: str
    kind: UnitKind
    staff: int = 0
    chef: str = ""  # the verksamhetschef's title; "" for none
    titles: tuple[str, ...] = ("Handläggare",)
    keywords: tuple[str, ...] = ()
    children: tuple[U, ...] = ()
    domain: str = DOMAIN


def load_tree(text: str | None = None) -> tuple[U, ...]:
    """The units of organisation.txt (indented two spaces per level) as a tree."""
    if text is None:
        text = resources.files(__package__).joinpath("organisation.txt").read_text("utf-8")
    roots: list[U] = []
    stack: list[tuple[int, U, list[U]]] = []  # (depth, unit, its children so far)

    def close(to_depth: int) -> None:
        while stack and stack[-1][0] >= to_depth:
            _, unit, children = stack.pop()
            done = replace(unit, children=tuple(children))
            (stack[-1][2] if stack else roots).append(done)

    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        fields = [f.strip() for f in line.split(";")] + [""] * 6
        name, kind, staff, chef, titles, keywords, domain = fields[:7]
        close(depth)
        unit = U(
            name,
            parse_unit_kind(kind),
            int(staff or 0),
            chef,
            tuple(t.strip() for t in titles.split(",") if t.strip()) or ("Handläggare",),
            tuple(k.strip() for k in keywords.split(",") if k.strip()),
            (),
            domain or DOMAIN,
        )
        stack.append((depth, unit, []))
    close(0)
    return tuple(roots)


# (label, unit name, extension, own telephone hours)
FUNCTION_NUMBERS = (
    ("Växeln", "Kontaktcenter", "1000", None),
    ("Bygglov", "Bygglov", "1100", MORNINGS),
    ("Skolskjuts", "Skolskjuts", "1200", MORNINGS),
    ("Färdtjänst", "Färdtjänst", "1210", None),
    ("Kundtjänst Sjöstadshem", "Sjöstadshem AB", "1300", None),
    ("Kundtjänst Sjöstad Energi", "Sjöstad Energi AB", "1310", None),
    ("Felanmälan el", "Sjöstad Energi AB", "1311", ALWAYS),
    ("Företagslots", "Sjöstad Näringsliv AB", "1320", None),
)

# (title, nämnd) of the förtroendevalda in the directory.
POLITICIANS = (
    ("Kommunstyrelsens ordförande", "Kommunstyrelsen"),
    ("Kommunalråd", "Kommunstyrelsen"),
    ("Oppositionsråd", "Kommunstyrelsen"),
    ("Ordförande", "Barn- och utbildningsnämnden"),
    ("Ordförande", "Socialnämnden"),
    ("Ordförande", "Miljö- och byggnadsnämnden"),
)


@dataclass
class DemoSummary:
    created: bool
    people: int
    call_records: int
    recorded_greetings: int = 0
    greetings_note: str = ""  # why no greetings were recorded (this run), if so
    web_logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, user, pw, who
    sip_accounts: list[tuple[str, str, str]] = field(default_factory=list)  # user, pw, who


def ensure_demo(db: Database, config: Config, *, now: datetime) -> DemoSummary:
    """Create the demo municipality unless it is there already; what it holds."""
    with db.session() as s:
        root = s.scalar(select(UnitRow).where(UnitRow.name == KOMMUN, UnitRow.parent_id.is_(None)))
        created = root is None
        if root is None:
            if s.scalar(select(func.count()).select_from(UnitRow)):
                raise ConfigError(
                    f"the database ({config.data_dir}) holds another organisation; "
                    "give the demo an empty --data-dir"
                )
            builder = _Builder(s, config, now)
            builder.build()
            note = builder.greetings.unavailable
    result = summary(db, config, created=created)
    if created and note:
        result.greetings_note = note
    return result


def summary(db: Database, config: Config, *, created: bool) -> DemoSummary:
    with db.session() as s:
        people = int(s.scalar(select(func.count()).select_from(PersonRow)) or 0)
        calls = int(s.scalar(select(func.count()).select_from(CallRow)) or 0)
        greetings = s.scalar(
            select(func.count())
            .select_from(MailboxRow)
            .where(MailboxRow.greeting == str(GreetingState.RECORDED))
        )
        names = {p.id: p.name for p in DirectoryRepository(s).people()}
        users = {u.username: u for u in UserRepository(s).users()}
        result = DemoSummary(created, people, calls, int(greetings or 0))
        for role, username, password, _ in WEB_LOGINS:
            user = users.get(username)
            who = names.get(user.person_id, "") if user and user.person_id else ""
            result.web_logins.append((str(role), username, password, who))
        accounts = sorted(AccountRepository(s).accounts(), key=lambda a: a.id)  # as created
        for account, password in zip(accounts, SIP_PASSWORDS, strict=False):
            result.sip_accounts.append(
                (account.username, password, names.get(account.person_id, ""))
            )
    return result


def print_welcome(result: DemoSummary, config: Config, out: Console) -> None:
    """The web address, the log-ins and the SIP accounts."""
    state = "created" if result.created else "reused"
    where: object = config.data_dir
    if config.database_url:
        from vaxel.storage.db import database_url

        where = database_url(config.database_url).render_as_string(hide_password=True)
    out.print(
        f"{KOMMUN} (demo) {state} in {where}: {result.people} people, "
        f"{result.call_records} call records, {result.recorded_greetings} recorded greetings",
        markup=False,
    )
    if result.greetings_note:
        out.print(
            f"No greetings were recorded ({result.greetings_note}): callers hear the spoken "
            "default greeting.",
            markup=False,
        )
    host = "127.0.0.1" if config.http.host in ("0.0.0.0", "::") else config.http.host
    out.print(f"Web: http://{host}:{config.http.port}/", markup=False)
    logins = Table("Role", "User", "Password", "Person", title="Web log-ins", box=None)
    for row in result.web_logins:
        logins.add_row(*row)
    out.print(logins)
    sip_host = "127.0.0.1" if config.sip.host in ("0.0.0.0", "::") else config.sip.host
    accounts = Table(
        "User",
        "Password",
        "Person",
        title=f"SIP accounts (realm {config.realm}, server {sip_host}:{config.sip.port})",
        box=None,
    )
    for user, password, who in result.sip_accounts:
        accounts.add_row(user, password, who)
    out.print(accounts)


class _Builder:
    def __init__(self, session: Session, config: Config, now: datetime) -> None:
        self.s = session
        self.config = config
        self.now = now
        self.rng = random.Random(SEED)
        self.plan = NumberPlan(config.did_prefix, config.extension_digits)
        self.directory = DirectoryRepository(session)
        self.numbers = NumberRepository(session, self.plan)
        self.units: dict[str, Unit] = {}
        self.staff: dict[int, list[Person]] = {}  # unit id → people
        self.extension_of: dict[int, str] = {}
        self.mailbox_of: dict[int, int] = {}  # person id → mailbox id
        self.unit_of_person: dict[int, int] = {}
        self.emails: set[str] = set()
        self.names: set[str] = set()
        self.next_extension = 2000
        self.since = now - timedelta(days=400)  # numbers and people were there before
        self.greetings = GreetingRecorder(config.data_dir)

    def build(self) -> None:
        try:
            self._build()
        except BaseException:
            self.greetings.discard()
            raise

    def _build(self) -> None:
        kommun = self.directory.add_unit(KOMMUN, UnitKind.KOMMUN, None, actor=ACTOR, channel=CH)
        self.directory.set_unit_hours(kommun.id, OFFICE.to_json(), actor=ACTOR, channel=CH)
        for node in load_tree():
            self._unit(node, kommun.id)
        self._politicians()
        self._temporary_staff()
        self._function_numbers()
        self._mailboxes()  # the greetings are spoken from here on, in worker threads
        self._absences()
        self._callbacks()
        self._barring()
        self._policy()
        self._logins()
        self._first_day()
        self._calls()
        self._recorded_greetings()

    # --- organisation and people ----------------------------------------------------------

    def _unit(self, node: U, parent_id: int) -> None:
        unit = self.directory.add_unit(node.name, node.kind, parent_id, actor=ACTOR, channel=CH)
        self.units[node.name] = unit
        if node.chef:
            chef = self._person(unit, node.chef, node.keywords[:1], node.domain)
            self.directory.set_verksamhetschef(unit.id, chef.id, actor=ACTOR, channel=CH)
            self.units[node.name] = unit = replace(unit, verksamhetschef_id=chef.id)
        for i in range(node.staff - (1 if node.chef else 0)):
            title = node.titles[i % len(node.titles)]
            keywords = tuple(k for k in node.keywords if self.rng.random() < 0.6)
            self._person(unit, title, keywords, node.domain)
        for child in node.children:
            self._unit(child, unit.id)

    def _person(
        self,
        unit: Unit,
        title: str,
        keywords: tuple[str, ...],
        domain: str = DOMAIN,
        kind: PersonKind = PersonKind.ANSTALLD,
        valid_to: date | None = None,
        mobile: bool | None = None,
    ) -> Person:
        name = self._name()
        email = self._email(name, domain)
        person = self.directory.add_person(
            Person(0, name, email, unit.id, kind, title, keywords, None, valid_to),
            actor=ACTOR,
            channel=CH,
        )
        self.staff.setdefault(unit.id, []).append(person)
        self.unit_of_person[person.id] = unit.id
        extension = str(self.next_extension)
        self.next_extension += 1
        self.extension_of[person.id] = extension
        self._assign(person.id, extension)
        if mobile if mobile is not None else self.rng.random() < 0.3:
            number = f"+4670{self.rng.randrange(1000000, 9999999)}"
            self.numbers.assign(
                NumberAssignment(
                    number, NumberKind.MOBILE, person_id=person.id, valid_from=self.since
                ),
                actor=ACTOR,
                channel=CH,
            )
        return person

    def _assign(self, person_id: int, extension: str) -> None:
        self.numbers.assign(
            NumberAssignment(
                self.plan.e164_for_extension(extension),
                NumberKind.EXTENSION,
                person_id=person_id,
                extension=extension,
                valid_from=self.since,
            ),
            actor=ACTOR,
            channel=CH,
        )

    def _name(self) -> str:
        while True:
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            if name not in self.names:
                self.names.add(name)
                return name

    def _email(self, name: str, domain: str) -> str:
        local_part = ".".join(fold(name).replace("é", "e").split())
        email, n = f"{local_part}@{domain}", 2
        while email in self.emails:
            email, n = f"{local_part}{n}@{domain}", n + 1
        self.emails.add(email)
        return email

    def _politicians(self) -> None:
        for title, namnd in POLITICIANS:
            self._person(self.units[namnd], title, (), kind=PersonKind.FORTROENDEVALD, mobile=True)

    def _temporary_staff(self) -> None:
        today = local(self.now).date()
        self.expired_contractor = self._person(
            self.units["IT"],
            "Konsult, systembyte",
            ("e-tjänster",),
            kind=PersonKind.EXTERN,
            valid_to=today - timedelta(days=20),
            mobile=True,
        )
        for unit, title, kind, days in (
            ("Äldreomsorg", "Vikarierande undersköterska", PersonKind.TILLFALLIG, 60),
            ("Sjöstadsskolan", "Vikarierande lärare", PersonKind.TILLFALLIG, 90),
            ("Bygglov", "Konsult, bygglov", PersonKind.EXTERN, 120),
            ("Kontaktcenter", "Sommarvikarie", PersonKind.TILLFALLIG, 45),
            ("VA", "Konsult, ledningsnät", PersonKind.EXTERN, 200),
        ):
            self._person(self.units[unit], title, (), kind=kind, valid_to=today + timedelta(days))

    def _function_numbers(self) -> None:
        for label, unit_name, extension, hours in FUNCTION_NUMBERS:
            unit = self.units[unit_name]
            self.numbers.assign(
                NumberAssignment(
                    self.plan.e164_for_extension(extension),
                    NumberKind.FUNCTION,
                    unit_id=unit.id,
                    label=label,
                    extension=extension,
                    valid_from=self.since,
                ),
                actor=ACTOR,
                channel=CH,
                telephone_hours=None if hours is None else hours.to_json(),
            )
        self.directory.set_unit_hours(
            self.units["Kontaktcenter"].id, OFFICE.to_json(), actor=ACTOR, channel=CH
        )
        for bolag in ("Sjöstadshem AB", "Sjöstad Energi AB", "Sjöstad Näringsliv AB"):
            self.directory.set_unit_hours(
                self.units[bolag].id, OFFICE.to_json(), actor=ACTOR, channel=CH
            )
        start = at_local(local(self.now).date() + timedelta(days=30), time(8))
        self.directory.add_closure(
            self.units["Kontaktcenter"].id,
            start,
            start + timedelta(hours=8),
            "Personaldag: växeln är stängd",
            actor=ACTOR,
            channel=CH,
        )

    def _mailboxes(self) -> None:
        """A mailbox for everyone: about 78 % with a greeting of their own (spoken now, marked
        recorded once written: `_recorded_greetings`), 5 % with none, the rest the default."""
        voicemail = VoicemailRepository(self.s)
        unit_names = {unit.id: unit.name for unit in self.units.values()}
        who = {p.id: (p.name, unit_names[p.unit_id]) for p in self._everyone()}
        for person_id, extension in self.extension_of.items():
            draw = self.rng.random()
            box = voicemail.create_mailbox(extension, person_id, actor=ACTOR, channel=CH)
            self.mailbox_of[person_id] = box.id
            if draw < 0.78:
                self.greetings.record(box.id, extension, greeting_text(*who[person_id]))
            elif draw > 0.95:
                voicemail.set_greeting(box.id, GreetingState.NONE, actor=ACTOR, channel=CH)

    def _recorded_greetings(self) -> None:
        voicemail = VoicemailRepository(self.s)
        for box_id, path in self.greetings.written().items():
            voicemail.set_greeting(
                box_id, GreetingState.RECORDED, str(path), actor=ACTOR, channel=CH
            )

    # --- presence, callbacks, barring -----------------------------------------------------

    def _everyone(self) -> Iterator[Person]:
        for people in self.staff.values():
            yield from people

    def _absences(self) -> None:
        presence = PresenceRepository(self.s)
        staff = [p for p in self._everyone() if p.kind is PersonKind.ANSTALLD]
        chosen = self.rng.sample(staff, 18)
        today = local(self.now).date()
        plans = [
            (AbsenceReason.SEMESTER, at_local(today + timedelta(days=9), time(8)), 0),
            (AbsenceReason.KURS, at_local(today + timedelta(days=2), time(8)), 0),
            (AbsenceReason.TJANSTERESA, at_local(today + timedelta(days=1), time(12)), 0),
            (AbsenceReason.MOTE, self.now + timedelta(hours=2), 0),
            (AbsenceReason.GATT_FOR_DAGEN, at_local(today + timedelta(days=1), time(8)), 0),
            (AbsenceReason.SJUK, None, 20),  # sjuk without a return for three weeks: a finding
            (AbsenceReason.SJUK, None, 1),
            (AbsenceReason.FORALDRALEDIG, None, 3),
            (AbsenceReason.VAB, at_local(today + timedelta(days=1), time(8)), 0),
        ]
        for i, person in enumerate(chosen):
            reason, until, days_ago = plans[i % len(plans)]
            set_at = self.now - timedelta(days=days_ago, minutes=i)
            presence.set_absence(
                person.id, Absence(reason, until), person.email, Channel.WEB, set_at
            )

    def _callbacks(self) -> None:
        callbacks = CallbackRepository(self.s)
        staff = [p for p in self._everyone() if p.kind is PersonKind.ANSTALLD]
        for i in range(12):
            person = self.rng.choice(staff)
            days_ago = (6, 5, 4, 0, 0, 0, 0, 1, 0, 0, 3, 0)[i]
            at = self.now - timedelta(days=days_ago, hours=self.rng.randrange(0, 4))
            reason = (CallbackReason.MISSED_CALL, CallbackReason.VOICEMAIL, CallbackReason.MESSAGE)[
                i % 3
            ]
            callbacks.create(
                f"+4670{self.rng.randrange(1000000, 9999999)}",
                reason,
                at=at,
                actor=ACTOR,
                channel=Channel.OPERATOR if reason is CallbackReason.MESSAGE else CH,
                for_person_id=person.id,
                caller_name=self._name() if i % 2 else "",
                note="Gäller ärendet som skickades in förra veckan"
                if reason is CallbackReason.MESSAGE
                else "",
            )

    def _barring(self) -> None:
        barring = BarringRepository(self.s)
        for unit_name, cls in (
            ("Förskolan Solrosen", BarringClass.INTERNAL),
            ("Förskolan Ekorren", BarringClass.INTERNAL),
            ("Sjöstad Näringsliv AB", BarringClass.INTERNATIONAL),
            ("IT", BarringClass.INTERNATIONAL),
        ):
            for person in self.staff[self.units[unit_name].id]:
                barring.set_class(person.id, cls, actor=ACTOR, channel=CH)
        va = self.units["VA"]
        chef_id = va.verksamhetschef_id
        assert chef_id is not None
        on_call = self.staff[va.id][1]
        barring.add_exception(
            BarringException(
                on_call.id,
                ExceptionKind.AFTER_HOURS,
                chef_id,
                "Beredskap för vattenläckor; ska nås efter arbetstid.",
                self.now - timedelta(days=30),
                self.now + timedelta(days=300),
            ),
            actor=ACTOR,
            channel=Channel.WEB,
            now=self.now - timedelta(days=30),
        )
        it = self.units["IT"]
        assert it.verksamhetschef_id is not None
        expired = self.staff[it.id][2]
        barring.add_exception(
            BarringException(
                expired.id,
                ExceptionKind.PRIVATE_USE,
                it.verksamhetschef_id,
                "Privata samtal under utlandsuppdrag enligt beslut.",
                self.now - timedelta(days=190),
                self.now - timedelta(days=10),
            ),
            actor=ACTOR,
            channel=Channel.WEB,
            now=self.now - timedelta(days=190),
        )

    # --- policy register, log-ins, call records -------------------------------------------

    def _policy(self) -> None:
        policy = PolicyRepository(self.s)
        policy.add_document(TELEFONIPOLICY, actor=ACTOR, channel=CH)
        riktlinje = policy.add_document(
            PolicyDocument(
                0,
                "Riktlinjer för telefoni",
                DocumentKind.RIKTLINJE,
                AdoptedBy.KOMMUNSTYRELSEN,
                date(2020, 10, 5),
                "§ 201",
                "Kommunledningsförvaltningen",
                (Revision(date(2024, 3, 11), "Översyn: hänvisning från mobilen", "§ 58"),),
            ),
            actor=ACTOR,
            channel=CH,
        )
        for person in self._everyone():
            if self.rng.random() < 0.85:
                at = self.now - timedelta(days=self.rng.randrange(1, 600))
                policy.acknowledge(person.id, riktlinje.id, at=at, actor=ACTOR, channel=CH)

    def _logins(self) -> None:
        users = UserRepository(self.s)
        contact = self.staff[self.units["Kontaktcenter"].id]
        chef_id = self.units["Samhällsbyggnadsförvaltningen"].verksamhetschef_id
        worker = self.staff[self.units["Bygglov"].id][1]
        people = {"telefonist": contact[1].id, "chef": chef_id, "medarbetare": worker.id}
        for role, username, password, who in WEB_LOGINS:
            users.create(
                username,
                password,
                role,
                now=self.now,
                actor=ACTOR,
                channel=CH,
                person_id=people.get(who or ""),
            )
        accounts = AccountRepository(self.s)
        softphones = [
            contact[1].id,
            worker.id,
            chef_id,
            contact[2].id,
            self.staff[self.units["IT"].id][1].id,
        ]
        for person_id, password in zip(softphones, SIP_PASSWORDS, strict=True):
            assert person_id is not None
            accounts.create(
                self.extension_of[person_id],
                person_id,
                DeviceKind.SOFTPHONE,
                self.config.realm,
                password,
                actor=ACTOR,
                channel=CH,
                label="Demo softphone",
            )

    # --- what each log-in sees first -------------------------------------------------------

    def _first_day(self) -> None:
        """Something real for each demo log-in on its first visit (no random draws here, so
        the rest of the demo is the same as without it)."""
        today = local(self.now).date()
        sbf = self.units["Samhällsbyggnadsförvaltningen"]
        _, planner, gis = self.staff[sbf.id][:3]  # the chef, a planarkitekt, a GIS-ingenjör
        bygglov = self.units["Bygglov"]
        bygglov_chef = bygglov.verksamhetschef_id
        assert bygglov_chef is not None
        worker = self.staff[bygglov.id][1]  # the medarbetare log-in
        klf = self.units["Kommunledningsförvaltningen"]
        kommundirektor = klf.verksamhetschef_id
        assert kommundirektor is not None
        next_week = at_local(today + timedelta(days=7 - today.weekday()), time(0))
        barring = BarringRepository(self.s)

        # The chef decides for the förvaltning's staff and for the chefs of the units below.
        for person, reason, asked_days_ago in (
            (planner, "Beredskap under granskningen av detaljplanen för Norra hamnen; "
                      "ska kunna nås kvällstid.", 1),
            (self.directory.person(bygglov_chef), "Jour för bygglovsärenden de kommande "
             "veckorna; handläggarna ska kunna nå mig efter arbetstid.", 2),
        ):  # fmt: skip
            asked = self.now - timedelta(days=asked_days_ago, hours=1)
            barring.request(
                person.id, ExceptionKind.AFTER_HOURS, reason, next_week,
                next_week + timedelta(days=28), actor=person.email, channel=Channel.WEB,
                now=asked,
            )  # fmt: skip
        # Nobody is above the kommundirektör: an administrator decides (the admin log-in).
        director = self.directory.person(kommundirektor)
        barring.request(
            director.id, ExceptionKind.AFTER_HOURS,
            "Krisledningen: ska kunna nås dygnet runt under kommunens beredskapsvecka.",
            next_week, next_week + timedelta(days=7), actor=director.email,
            channel=Channel.WEB, now=self.now - timedelta(hours=3),
        )  # fmt: skip

        # The chef's overview: sick for over two weeks with no return day, a callback past
        # its due time, a mailbox without a greeting.
        PresenceRepository(self.s).set_absence(
            gis.id, Absence(AbsenceReason.SJUK, None), gis.email, Channel.WEB,
            self.now - timedelta(days=16),
        )  # fmt: skip
        callbacks = CallbackRepository(self.s)
        callbacks.create(
            "+46705551234", CallbackReason.MESSAGE, at=self.now - timedelta(days=7),
            actor="telefonist", channel=Channel.OPERATOR, for_person_id=planner.id,
            caller_name="Margit Lund", note="Frågar om samrådet för Norra hamnen.",
        )  # fmt: skip
        self.greetings.forget(self.mailbox_of[planner.id])
        VoicemailRepository(self.s).set_greeting(
            self.mailbox_of[planner.id], GreetingState.NONE, actor=ACTOR, channel=CH
        )

        # The medarbetare: a message to call back today, and an exception the chef approved.
        callbacks.create(
            "+46736667788", CallbackReason.MESSAGE, at=self.now - timedelta(minutes=40),
            actor="telefonist", channel=Channel.OPERATOR, for_person_id=worker.id,
            caller_name="Sven Ek", note="Undrar hur det går med bygglovet för garaget.",
        )  # fmt: skip
        asked = self.now - timedelta(days=12)
        approved = barring.request(
            worker.id, ExceptionKind.AFTER_HOURS,
            "Tillsyn av byggarbetsplatser kvällstid.",
            at_local(today - timedelta(days=10), time(0)),
            at_local(today + timedelta(days=50), time(0)), actor=worker.email,
            channel=Channel.WEB, now=asked,
        )  # fmt: skip
        barring.decide(
            approved.id, approve=True, decided_by_id=bygglov_chef,
            reason="Gäller tillsynskvällarna.", actor=ACTOR, channel=Channel.WEB,
            now=asked + timedelta(days=1),
        )  # fmt: skip

        # The telefonist and a colleague are signed in to the switchboard queue.
        contact = self.staff[self.units["Kontaktcenter"].id]
        queue = QueueSignInRepository(self.s)
        for person, minutes in ((contact[1], 95), (contact[2], 35)):
            queue.sign_in(
                SWITCHBOARD_QUEUE, person.id, self.extension_of[person.id],
                self.now - timedelta(minutes=minutes),
            )  # fmt: skip

    def _calls(self) -> None:
        CallRepository(self.s).add_many(self._call_records())

    def _call_records(self) -> Iterator[CallRecord]:
        """About 500 calls a working day, peaking mid-morning and early afternoon."""
        rng = self.rng
        targets = [
            (self.plan.e164_for_extension(ext), self._unit_of(pid))
            for pid, ext in self.extension_of.items()
        ]
        switchboard = self.plan.e164_for_extension("1000")
        contact = self.units["Kontaktcenter"].id
        operators = [self.extension_of[p.id] for p in self.staff[contact]]
        hours = [0, 0, 0, 0, 0, 0, 0, 2, 9, 12, 11, 8, 5, 9, 10, 8, 5, 2, 1, 1, 0, 0, 0, 0]
        outcomes = [
            (CallOutcome.ANSWERED, 0.78),
            (CallOutcome.VOICEMAIL, 0.08),
            (CallOutcome.ANNOUNCEMENT, 0.06),
            (CallOutcome.ABANDONED, 0.06),
            (CallOutcome.BUSY, 0.01),
            (CallOutcome.FAILED, 0.01),
        ]
        kinds, weights = zip(*outcomes, strict=True)
        today = local(self.now).date()
        for offset in range(CALL_DAYS, 0, -1):
            day = today - timedelta(days=offset)
            weekday = day.weekday() < 5
            count = int(rng.gauss(520, 60)) if weekday else rng.randrange(10, 30)
            for hour in rng.choices(
                range(24), weights=[h + (0 if weekday else 1) for h in hours], k=count
            ):
                start = at_local(day, time(hour, rng.randrange(60), rng.randrange(60)))
                to_switchboard = rng.random() < 0.35
                to_number, unit_id = (
                    (switchboard, contact) if to_switchboard else rng.choice(targets)
                )
                outcome = rng.choices(kinds, weights)[0]
                wait = timedelta(seconds=min(rng.expovariate(1 / 18), 300))
                answered = start + wait if outcome is CallOutcome.ANSWERED else None
                end = (answered or start + wait) + timedelta(seconds=rng.expovariate(1 / 150))
                yield CallRecord(
                    from_number=f"+46{rng.choice(PREFIXES)}{rng.randrange(1000000, 9999999)}",
                    to_number=to_number,
                    started_at=start,
                    outcome=outcome,
                    unit_id=unit_id,
                    answered_at=answered,
                    ended_at=end,
                    answered_by=(rng.choice(operators) if to_switchboard else to_number[-4:])
                    if answered
                    else "",
                    informed=outcome in (CallOutcome.VOICEMAIL, CallOutcome.ANNOUNCEMENT)
                    or (outcome is CallOutcome.ABANDONED and rng.random() < 0.5),
                )

    def _unit_of(self, person_id: int) -> int:
        return self.unit_of_person[person_id]
