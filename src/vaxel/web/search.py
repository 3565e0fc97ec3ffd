"""The operator's directory search, held in memory and kept current by the change feed.

An operator types and expects the answer at once, for 10,000 people. The index keeps every
searchable word (name, title, unit, keywords, numbers) in one sorted list; a query word is a
prefix range found by bisection, and the hits of all query words are intersected. Presence,
devices and telephone hours are kept beside it so that a hit is complete without a query.

Changes arrive from the storage layer's feed in the committing thread; they are only noted
there. The next search applies them first (a few small queries), so what an operator just
saved is what the next search shows.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberAssignment, NumberKind
from vaxel.domain.organisation import Unit, unit_path
from vaxel.domain.people import Person, is_active
from vaxel.domain.presence import Absence, current_absence
from vaxel.domain.telephone_hours import Closure, TelephoneHours, effective_hours
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.db import Change, Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.storage.registrations import RegistrationRepository
from vaxel.web.collation import ascii_fold, normalise, sort_key, words

log = logging.getLogger(__name__)
_NUMBER = re.compile(r"\+?[\d\s\-()]{3,}")

# Field weights: a hit on the name ranks above one on a keyword or title, then the unit.
NAME, KEYWORD, TITLE, UNIT, NUMBER = 5, 4, 3, 2, 4
# More pending changes than this and a full reload is quicker than one by one.
FULL_RELOAD_AFTER = 200
DEFAULT_LIMIT = 25


@dataclass(frozen=True, slots=True)
class Device:
    account_id: int
    username: str
    device: DeviceKind
    label: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One searchable thing: a person, or a function number such as "Bygglov"."""

    key: str  # "p:12" or "f:+4610130100"
    name: str
    unit_id: int
    person: Person | None = None
    function: NumberAssignment | None = None
    function_hours: TelephoneHours | None = None
    numbers: tuple[NumberAssignment, ...] = ()
    devices: tuple[Device, ...] = ()
    order: tuple[str, str] = ("", "")  # Swedish sort key of the name
    plain_name: str = ""  # the name normalised, for "starts with"


def _entry(**values: Any) -> Entry:
    name = values["name"]
    return Entry(**values, order=sort_key(name), plain_name=normalise(name))


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result with everything the operator needs to answer correctly."""

    entry: Entry
    score: int
    absence: Absence | None
    registered: frozenset[int]  # account ids with a live registration
    unit: Unit | None
    unit_path: str
    hours: TelephoneHours | None  # the unit's (or the function number's) telephone hours


@dataclass(slots=True)
class _State:
    entries: dict[str, Entry] = field(default_factory=dict)
    tokens: list[tuple[str, str, int]] = field(default_factory=list)  # (word, key, weight)
    words_of: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    units: dict[int, Unit] = field(default_factory=dict)
    paths: dict[int, str] = field(default_factory=dict)
    unit_hours: dict[int, TelephoneHours] = field(default_factory=dict)  # own hours only
    closures: list[tuple[int | None, Closure]] = field(default_factory=list)
    absences: dict[int, Absence] = field(default_factory=dict)
    expires: dict[int, datetime] = field(default_factory=dict)  # account id → latest expiry


class DirectoryIndex:
    """Search by name, unit, title, keyword or number; Swedish order; results in microseconds."""

    def __init__(self, db: Database | None = None) -> None:
        self._db = db
        self._state = _State()
        self._lock = threading.RLock()
        self._pending: set[tuple[str, str]] = set()
        self._full_reload = True
        self._unsubscribe = None if db is None else db.changes.subscribe(self._on_change)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # --- keeping current ------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        with self._lock:
            if len(self._pending) >= FULL_RELOAD_AFTER:
                self._full_reload = True
                self._pending.clear()
            elif not self._full_reload:
                self._pending.add((change.kind, str(change.id)))

    def refresh(self, now: datetime) -> None:
        """Apply the changes noted since the last search (a full load the first time)."""
        if self._db is None:
            return
        with self._lock:
            if self._full_reload:
                self.load(now)
                return
            pending, self._pending = self._pending, set()
        if pending:
            with self._lock:
                self._apply(pending, now)

    def load(self, now: datetime) -> None:
        """Read the whole directory (at start, and after a bulk change such as an import)."""
        assert self._db is not None
        with self._lock:
            # Changes committed from now on are noted again and applied after this load.
            self._full_reload = False
            self._pending.clear()
        with self._db.session() as session:
            directory = DirectoryRepository(session)
            units = directory.units_by_id()
            people = directory.people()
            numbers = NumberRepository(session).assignments(at=now)
            functions = NumberRepository(session).function_numbers(now)
            accounts = AccountRepository(session).accounts()
            absences = PresenceRepository(session).all_current(now)
            bindings = RegistrationRepository(session).active(now)
            unit_hours = directory.unit_hours()
            closures = directory.closures(after=now)
        state = _State(units=units, absences=absences)
        state.paths = _paths(units)
        state.unit_hours = _parse_hours(unit_hours)
        state.closures = closures
        for binding in bindings:
            _note_expiry(state.expires, binding.account_id, binding.expires_at)
        numbers_of: dict[int, list[NumberAssignment]] = {}
        for number in numbers:
            if number.person_id is not None:
                numbers_of.setdefault(number.person_id, []).append(number)
        devices_of: dict[int, list[Device]] = {}
        for account in accounts:
            devices_of.setdefault(account.person_id, []).append(
                Device(account.id, account.username, account.device, account.label)
            )
        entries = [
            _person_entry(p, numbers_of.get(p.id, ()), devices_of.get(p.id, ()))
            for p in people
            if is_active(p, now.date())
        ]
        entries += [_function_entry(n, hours) for n, hours in functions if n.unit_id is not None]
        tokens: list[tuple[str, str, int]] = []
        for entry in entries:
            state.entries[entry.key] = entry
            entry_tokens = _tokens(entry, state.paths)
            state.words_of[entry.key] = entry_tokens
            tokens.extend(entry_tokens)
        tokens.sort()
        state.tokens = tokens
        with self._lock:
            self._state = state
        log.info("directory index: %d entries, %d words", len(entries), len(tokens))

    def _apply(self, pending: set[tuple[str, str]], now: datetime) -> None:
        assert self._db is not None
        state = self._state
        kinds = {kind for kind, _ in pending}
        if kinds & {"unit", "number", "sip_account"} or len(pending) > FULL_RELOAD_AFTER:
            # Units rename paths of many people; numbers and accounts may change owners.
            # These are admin changes, rare in a working day: read everything again.
            self.load(now)
            return
        with self._db.session() as session:
            for kind, key in pending:
                if kind == "absence":
                    absence = PresenceRepository(session).current(int(key), now)
                    if absence is None:
                        state.absences.pop(int(key), None)
                    else:
                        state.absences[int(key)] = absence
                elif kind == "registration":
                    account_id = int(key)
                    state.expires.pop(account_id, None)
                    for binding in RegistrationRepository(session).active(now, account_id):
                        _note_expiry(state.expires, account_id, binding.expires_at)
                elif kind == "person":
                    self._reload_person(session, state, int(key), now)

    def _reload_person(
        self, session: Session, state: _State, person_id: int, now: datetime
    ) -> None:
        key = f"p:{person_id}"
        self._remove(state, key)
        try:
            person = DirectoryRepository(session).person(person_id)
        except LookupError:
            return
        if not is_active(person, now.date()):
            return
        numbers = NumberRepository(session).assignments(person_id=person_id, at=now)
        devices = [
            Device(a.id, a.username, a.device, a.label)
            for a in AccountRepository(session).accounts(person_id)
        ]
        entry = _person_entry(person, numbers, devices)
        self._add(state, entry)

    def _add(self, state: _State, entry: Entry) -> None:
        state.entries[entry.key] = entry
        entry_tokens = _tokens(entry, state.paths)
        state.words_of[entry.key] = entry_tokens
        for token in entry_tokens:
            bisect.insort(state.tokens, token)

    def _remove(self, state: _State, key: str) -> None:
        state.entries.pop(key, None)
        for token in state.words_of.pop(key, ()):
            at = bisect.bisect_left(state.tokens, token)
            if at < len(state.tokens) and state.tokens[at] == token:
                del state.tokens[at]

    # --- searching ------------------------------------------------------------------------

    def search(self, query: str, now: datetime, limit: int = DEFAULT_LIMIT) -> list[Hit]:
        """The best hits for ``query``: every word must match the start of some word."""
        self.refresh(now)
        query_words = words(query)
        if _NUMBER.fullmatch(query.strip()):
            # "010-130 41 03" or "+46 10 130 41 03" is one number, not five words.
            digits = "".join(ch for ch in query if ch.isdigit())
            query_words = [digits] if digits else []
        if not query_words:
            return []
        with self._lock:
            state = self._state
            scores: dict[str, int] | None = None
            for word in query_words:
                found = _prefix(state.tokens, word)
                if scores is None:
                    scores = found
                else:
                    scores = {k: s + found[k] for k, s in scores.items() if k in found}
                if not scores:
                    return []
            assert scores is not None
            full = normalise(query.strip())

            def rank(item: tuple[str, int]) -> tuple[int, tuple[str, str]]:
                entry = state.entries[item[0]]
                # The whole query at the start of the name ("anna b") comes first.
                bonus = 3 if entry.plain_name.startswith(full) else 0
                return -item[1] - bonus, entry.order

            best = heapq.nsmallest(limit, scores.items(), key=rank)
            return [self._hit(state, key, score, now) for key, score in best]

    def get(self, key: str, now: datetime) -> Hit | None:
        """One entry by key ("p:12"), as a hit."""
        self.refresh(now)
        with self._lock:
            state = self._state
            if key not in state.entries:
                return None
            return self._hit(state, key, 0, now)

    def person_hit(self, person_id: int, now: datetime) -> Hit | None:
        return self.get(f"p:{person_id}", now)

    def absence_of(self, person_id: int, now: datetime) -> Absence | None:
        self.refresh(now)
        with self._lock:
            return current_absence(self._state.absences.get(person_id), now)

    def hours_of_unit(self, unit_id: int) -> TelephoneHours | None:
        with self._lock:
            return _effective_hours(self._state, unit_id)

    def __len__(self) -> int:
        return len(self._state.entries)

    def _hit(self, state: _State, key: str, score: int, now: datetime) -> Hit:
        entry = state.entries[key]
        absence = None
        if entry.person is not None:
            absence = current_absence(state.absences.get(entry.person.id), now)
        registered = frozenset(
            d.account_id
            for d in entry.devices
            if d.account_id in state.expires and state.expires[d.account_id] > now
        )
        hours = entry.function_hours or _effective_hours(state, entry.unit_id)
        return Hit(
            entry=entry,
            score=score,
            absence=absence,
            registered=registered,
            unit=state.units.get(entry.unit_id),
            unit_path=state.paths.get(entry.unit_id, ""),
            hours=hours,
        )


# --- building ---------------------------------------------------------------------------------


def _person_entry(
    person: Person, numbers: Iterable[NumberAssignment], devices: Iterable[Device]
) -> Entry:
    order = {NumberKind.EXTENSION: 0, NumberKind.MOBILE: 1, NumberKind.FUNCTION: 2}
    return _entry(
        key=f"p:{person.id}",
        name=person.name,
        unit_id=person.unit_id,
        person=person,
        numbers=tuple(sorted(numbers, key=lambda n: (order[n.kind], n.e164))),
        devices=tuple(devices),
    )


def _function_entry(number: NumberAssignment, hours: dict[str, object] | None) -> Entry:
    assert number.unit_id is not None
    parsed = None
    if hours:
        try:
            parsed = TelephoneHours.from_json(hours)
        except DomainError:
            log.warning("function number %s has unreadable telephone hours", number.e164)
    return _entry(
        key=f"f:{number.e164}",
        name=number.label or number.e164,
        unit_id=number.unit_id,
        function=number,
        function_hours=parsed,
        numbers=(number,),
    )


def _tokens(entry: Entry, paths: dict[int, str]) -> list[tuple[str, str, int]]:
    found: dict[str, int] = {}

    def add(text: str, weight: int) -> None:
        for word in words(text):
            if found.get(word, 0) < weight:
                found[word] = weight
            # Typed on a keyboard without å, ä, ö: "ostrom" finds Öström, ranked a little lower.
            folded = ascii_fold(word)
            if folded != word and found.get(folded, 0) < weight - 1:
                found[folded] = weight - 1

    add(entry.name, NAME)
    if entry.person is not None:
        add(entry.person.title, TITLE)
        add(entry.person.email.split("@")[0], TITLE)
        for keyword in entry.person.keywords:
            add(keyword, KEYWORD)
    if entry.function is not None:
        add(entry.function.label, KEYWORD)
    add(paths.get(entry.unit_id, "").rsplit(" / ", 1)[-1], UNIT)
    for number in entry.numbers:
        for text in (number.e164.lstrip("+"), number.extension or ""):
            if text and found.get(text, 0) < NUMBER:
                found[text] = NUMBER
        if number.e164.startswith("+46"):
            found.setdefault("0" + number.e164[3:], NUMBER)
    return sorted((word, entry.key, weight) for word, weight in found.items())


def _prefix(tokens: list[tuple[str, str, int]], word: str) -> dict[str, int]:
    found: dict[str, int] = {}
    at = bisect.bisect_left(tokens, (word,))
    while at < len(tokens):
        token, key, weight = tokens[at]
        if not token.startswith(word):
            break
        if found.get(key, 0) < weight:
            found[key] = weight
        at += 1
    return found


def _paths(units: dict[int, Unit]) -> dict[int, str]:
    paths: dict[int, str] = {}
    for unit_id in units:
        try:
            paths[unit_id] = unit_path(units, unit_id)
        except DomainError:
            paths[unit_id] = units[unit_id].name
    return paths


def _parse_hours(raw: dict[int, dict[str, object]]) -> dict[int, TelephoneHours]:
    parsed: dict[int, TelephoneHours] = {}
    for unit_id, data in raw.items():
        try:
            parsed[unit_id] = TelephoneHours.from_json(data)
        except DomainError:
            log.warning("unit %s has unreadable telephone hours", unit_id)
    return parsed


def _effective_hours(state: _State, unit_id: int) -> TelephoneHours | None:
    """The unit's hours by the domain's rule (its own or the nearest above, with closures)."""
    return effective_hours(state.units, state.unit_hours, state.closures, unit_id)


def _note_expiry(expires: dict[int, datetime], account_id: int, at: datetime) -> None:
    if account_id not in expires or expires[account_id] < at:
        expires[account_id] = at
