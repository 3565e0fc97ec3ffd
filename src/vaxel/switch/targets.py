"""Whom a dialled number reaches, with everything routing needs, held in memory.

`TargetDirectory` turns a dialled number into a routing `Target` (a person with their
hänvisning, devices, mailbox; a function number with its telephone hours; the main number,
which is the switchboard queue) on the hot path, without the database. It is loaded at start
and reloaded in a worker thread when the change feed says people, units, numbers, accounts,
mailboxes or presence changed (changes made by other processes, the CLI or another node, reach
this process's feed through storage's change log), and every `refresh_every_s` as well: what
the snapshot reads as of load time (current absences, function numbers, closures) moves with
the clock, and the reload is the safety net should the change log ever be missed.

What can only be known at the moment of the call, whether a device is registered and whether
the person is on the phone, comes in as functions from the registrar and the B2BUA.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan, try_normalise
from vaxel.domain.organisation import Unit
from vaxel.domain.people import Person
from vaxel.domain.presence import Absence
from vaxel.domain.telephone_hours import Closure, TelephoneHours, effective_hours
from vaxel.domain.text import fold
from vaxel.domain.voicemail import Mailbox
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.db import Change, Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.models import SipAccountRow
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.call_context import Callee
from vaxel.switch.reloader import Reloader
from vaxel.switch.routing import (
    DeviceRef,
    FunctionTarget,
    PersonTarget,
    RoutingSettings,
    SwitchboardTarget,
    Target,
)

log = logging.getLogger(__name__)

RELOAD_ON = frozenset({"person", "unit", "number", "sip_account", "mailbox", "absence"})


@dataclass(frozen=True, slots=True)
class Device:
    """One SIP account of a person, as a device that can ring."""

    account_id: int
    username: str
    kind: DeviceKind


@dataclass(frozen=True, slots=True)
class TargetSettings:
    # Function numbers with one of these labels are the main number: the switchboard queue.
    switchboard_labels: tuple[str, ...] = ("Växeln",)
    switchboard_queue: str = "vaxeln"
    # The queue that answers an open function number that has no phones of its own (its
    # unit's staff are not members of it): the switchboard's, so callers reach a person.
    function_queue: str | None = "vaxeln"
    refresh_every_s: float = 30.0


@dataclass(frozen=True, slots=True)
class Found:
    """What a dialled number reaches: the Target for routing, the Callee for the apps."""

    target: Target | None
    callee: Callee | None
    number: NumberAssignment | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    people: Mapping[int, Person] = field(default_factory=dict)
    units: Mapping[int, Unit] = field(default_factory=dict)
    unit_hours: Mapping[int, TelephoneHours] = field(default_factory=dict)
    closures: tuple[tuple[int | None, Closure], ...] = ()
    numbers: Mapping[str, tuple[NumberAssignment, ...]] = field(default_factory=dict)
    function_hours: Mapping[str, TelephoneHours] = field(default_factory=dict)  # by E.164
    devices: Mapping[int, tuple[Device, ...]] = field(default_factory=dict)  # by person
    mailboxes: Mapping[str, Mailbox] = field(default_factory=dict)  # by extension
    mailbox_of: Mapping[int, Mailbox] = field(default_factory=dict)  # by person
    absences: Mapping[int, Absence] = field(default_factory=dict)


def _index_numbers(
    assignments: Iterable[NumberAssignment],
) -> dict[str, tuple[NumberAssignment, ...]]:
    found: dict[str, list[NumberAssignment]] = {}
    for number in assignments:
        found.setdefault(number.e164, []).append(number)
        if number.extension:
            found.setdefault(number.extension, []).append(number)
    return {key: tuple(values) for key, values in found.items()}


def build_snapshot(
    *,
    people: Iterable[Person] = (),
    units: Iterable[Unit] = (),
    unit_hours: Mapping[int, TelephoneHours] | None = None,
    closures: Iterable[tuple[int | None, Closure]] = (),
    numbers: Iterable[tuple[NumberAssignment, TelephoneHours | None]] = (),
    devices: Iterable[tuple[int, Device]] = (),
    mailboxes: Iterable[Mailbox] = (),
    absences: Mapping[int, Absence] | None = None,
) -> Snapshot:
    """Index what was read (pure; tests build snapshots with it)."""
    listed = list(numbers)
    by_person: dict[int, list[Device]] = {}
    for person_id, device in devices:
        by_person.setdefault(person_id, []).append(device)
    boxes = list(mailboxes)
    mailbox_of: dict[int, Mailbox] = {}
    extension_of = {n.person_id: n.extension for n, _ in listed if n.person_id and n.extension}
    for box in boxes:
        if box.person_id is None:
            continue
        # A person's own box is the one of their extension, else the first one they have.
        if box.person_id not in mailbox_of or extension_of.get(box.person_id) == box.extension:
            mailbox_of[box.person_id] = box
    return Snapshot(
        people={p.id: p for p in people},
        units={u.id: u for u in units},
        unit_hours=dict(unit_hours or {}),
        closures=tuple(closures),
        numbers=_index_numbers(n for n, _ in listed),
        function_hours={n.e164: hours for n, hours in listed if hours is not None},
        devices={k: tuple(v) for k, v in by_person.items()},
        mailboxes={b.extension: b for b in boxes},
        mailbox_of=mailbox_of,
        absences=dict(absences or {}),
    )


def read_snapshot(database: Database, realm: str, plan: NumberPlan, now: datetime) -> Snapshot:
    """Everything routing needs, read in one transaction (blocking)."""
    with database.session() as session:
        directory = DirectoryRepository(session)
        accounts = AccountRepository(session)
        numbers = NumberRepository(session, plan)
        people = directory.people()
        units = directory.units()
        hours: dict[int, TelephoneHours] = {}
        for unit_id, data in directory.unit_hours().items():
            try:
                hours[unit_id] = TelephoneHours.from_json(data)
            except DomainError:
                log.warning("unit %s has unreadable telephone hours", unit_id)
        closures = directory.closures(after=now)
        functions = {n.e164: raw for n, raw in numbers.function_numbers(now)}
        listed: list[tuple[NumberAssignment, TelephoneHours | None]] = []
        for number in numbers.assignments():
            own = None
            raw = functions.get(number.e164) if number.kind is NumberKind.FUNCTION else None
            if raw:
                try:
                    own = TelephoneHours.from_json(raw)
                except DomainError:
                    log.warning("function number %s has unreadable hours", number.e164)
            listed.append((number, own))
        enabled = set(session.scalars(select(SipAccountRow.id).where(SipAccountRow.enabled)))
        devices = [
            (a.person_id, Device(a.id, a.username, a.device))
            for a in accounts.accounts()
            if a.realm == realm and a.id in enabled
        ]
        mailboxes = VoicemailRepository(session).mailboxes()
        absences = PresenceRepository(session).all_current(now)
    return build_snapshot(
        people=people,
        units=units,
        unit_hours=hours,
        closures=closures,
        numbers=listed,
        devices=devices,
        mailboxes=mailboxes,
        absences=absences,
    )


class TargetDirectory:
    """The current Snapshot and the look-ups routing needs; see the module docstring."""

    def __init__(
        self,
        database: Database | None,
        realm: str,
        plan: NumberPlan,
        settings: TargetSettings | None = None,
        *,
        registered: Callable[[int], bool] = lambda account_id: False,
        busy: Callable[[int], bool] = lambda person_id: False,
    ) -> None:
        self.database = database
        self.realm = realm
        self.plan = plan
        self.settings = settings or TargetSettings()
        self.registered = registered
        self.busy = busy
        self.snapshot = Snapshot()
        self._labels = {fold(label) for label in self.settings.switchboard_labels}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._reloader = Reloader(self.load, "routing directory")

    # -- the hot path --------------------------------------------------------------------------

    def numbers_for(self, dialled: str, now: datetime) -> NumberAssignment | None:
        """The assignment in force now of a dialled extension or E.164 number (any form)."""
        numbers = self.snapshot.numbers
        candidates = numbers.get(dialled)
        if candidates is None and self.plan.is_extension(dialled):
            candidates = numbers.get(self.plan.e164_for_extension(dialled))
        if candidates is None and dialled[:1] in "+0" and len(dialled) > 4:
            e164 = try_normalise(dialled)
            candidates = None if e164 is None else numbers.get(e164)
        for number in candidates or ():
            if number.active_at(now):
                return number
        return None

    def person_for(self, dialled: str, now: datetime) -> int | None:
        number = self.numbers_for(dialled, now)
        return None if number is None else number.person_id

    def person(self, person_id: int) -> Person | None:
        return self.snapshot.people.get(person_id)

    def devices_of(self, person_id: int) -> tuple[Device, ...]:
        return self.snapshot.devices.get(person_id, ())

    def device_refs(self, person_id: int) -> tuple[DeviceRef, ...]:
        return tuple(
            DeviceRef(d.username, d.kind, self.registered(d.account_id))
            for d in self.devices_of(person_id)
        )

    def hours_of_unit(self, unit_id: int) -> TelephoneHours | None:
        """The unit's own hours or the nearest above it, with the closures that apply."""
        snap = self.snapshot
        return effective_hours(snap.units, snap.unit_hours, snap.closures, unit_id)

    def unit_name(self, unit_id: int | None) -> str:
        unit = None if unit_id is None else self.snapshot.units.get(unit_id)
        return "" if unit is None else unit.name

    def switchboard(self) -> SwitchboardTarget:
        """The switchboard as routing sees it: its queue and (its unit's) opening hours."""
        queue = self.settings.switchboard_queue
        for numbers in self.snapshot.numbers.values():
            for number in numbers:
                if number.kind is NumberKind.FUNCTION and fold(number.label) in self._labels:
                    return SwitchboardTarget(
                        name=number.label, queue=queue, hours=self._function_hours(number)
                    )
        return SwitchboardTarget(queue=queue)

    def routing_settings(self, base: RoutingSettings) -> RoutingSettings:
        """`base` with the switchboard as the directory knows it now."""
        board = self.switchboard()
        return RoutingSettings(
            switchboard=board,
            ring_timeout_s=base.ring_timeout_s,
            menu_timeout_s=base.menu_timeout_s,
            menu_default=base.menu_default,
            discreet=base.discreet,
        )

    def _function_hours(self, number: NumberAssignment) -> TelephoneHours | None:
        """A function number's own hours (else its unit's), closed when its unit is."""
        own = self.snapshot.function_hours.get(number.e164)
        unit_id = number.unit_id
        if unit_id is None:
            return own
        if own is None:
            return self.hours_of_unit(unit_id)
        snap = self.snapshot
        return effective_hours(snap.units, {unit_id: own}, snap.closures, unit_id) or own

    def lookup(self, dialled: str, now: datetime) -> Found:
        """The Target for a dialled number now; Found(None, None) when it does not exist."""
        number = self.numbers_for(dialled, now)
        if number is None:
            return Found(None, None)
        snap = self.snapshot
        if number.person_id is not None:
            person = snap.people.get(number.person_id)
            if person is None:
                return Found(None, None, number)
            mailbox = snap.mailboxes.get(number.extension or "") or snap.mailbox_of.get(person.id)
            if mailbox is not None and mailbox.person_id not in (None, person.id):
                mailbox = snap.mailbox_of.get(person.id)
            target = PersonTarget(
                person=person,
                unit_name=self.unit_name(person.unit_id),
                absence=snap.absences.get(person.id),
                devices=self.device_refs(person.id),
                busy=self.busy(person.id),
                mailbox=mailbox,
            )
            callee = Callee(person.id, person.unit_id, number.extension or number.e164)
            return Found(target, callee, number)
        callee = Callee(None, number.unit_id, number.extension or number.e164)
        hours = self._function_hours(number)
        if number.kind is NumberKind.FUNCTION and fold(number.label) in self._labels:
            board = SwitchboardTarget(
                name=number.label, queue=self.settings.switchboard_queue, hours=hours
            )
            return Found(board, callee, number)
        function = FunctionTarget(
            label=number.label or number.e164,
            unit_name=self.unit_name(number.unit_id),
            hours=hours,
            queue=self.settings.function_queue,
            mailbox=snap.mailboxes.get(number.extension or ""),
        )
        return Found(function, callee, number)

    # -- loading -------------------------------------------------------------------------------

    def load(self) -> Snapshot:
        """Read everything now (blocking: from a worker thread, or at start)."""
        if self.database is None:
            return self.snapshot
        first = not self.snapshot.people
        self.snapshot = read_snapshot(self.database, self.realm, self.plan, datetime.now(TZ))
        snap = self.snapshot
        log.log(
            logging.INFO if first else logging.DEBUG,
            "routing directory loaded: %d people, %d numbers, %d absent",
            len(snap.people), len(snap.numbers), len(snap.absences),
        )  # fmt: skip
        return snap

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.load)
        if self.database is not None:
            self._unsubscribe = self.database.changes.subscribe(self._on_change)
            if self.settings.refresh_every_s > 0:
                self._reloader.every(self.settings.refresh_every_s)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._reloader.cancel()

    def _on_change(self, change: Change) -> None:
        loop = self._loop
        if change.kind in RELOAD_ON and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.schedule_reload)

    def schedule_reload(self) -> None:
        self._reloader.schedule()

    async def wait_reloaded(self) -> None:
        """Until a reload in progress (and any it owes) is done (tests, the console)."""
        await self._reloader.wait()
