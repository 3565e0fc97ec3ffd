"""The switchboard queue as data: who waits in what order, which operator gets the next call.

Pure: no event loop, no clock (`now` comes in). `SwitchboardQueue` (queue.py) drives it.

* Callers are served first come, first served; a caller keeps their place while a call is
  offered to an operator who does not answer.
* A call is offered to the signed-in operator who has been idle the longest (free the
  longest since their last call, sign-in or missed offer): the fair distribution the policy's
  "answer quickly" needs, and the usual ACD rule.
* An operator who lets an offer ring out goes to the back of the idle order; after
  `max_missed` offers in a row they are signed out, so callers are not offered to an empty
  chair.
* Sign-ins outlive a restart: the queue stores them and `restore`s them here when it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_MAX_MISSED = 3


@dataclass(frozen=True, slots=True)
class Operator:
    """A telefonist: the person and the number their phone answers on."""

    person_id: int
    name: str
    number: str


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """A caller in the queue."""

    call_id: str
    caller_number: str
    since: datetime
    caller_name: str = ""
    dialled: str = ""

    def wait_s(self, now: datetime) -> float:
        return max(0.0, (now - self.since).total_seconds())


@dataclass(frozen=True, slots=True)
class QueuedCallView:
    """A waiting call as the operator console shows it (fields as web.callcontrol.QueuedCall)."""

    call_id: str
    caller_number: str
    waiting_since: datetime
    position: int
    caller_name: str = ""
    dialled: str = ""
    wait_s: float = 0.0
    offered_to: int | None = None  # the operator whose phone rings for it now


@dataclass(frozen=True, slots=True)
class OperatorView:
    person_id: int
    name: str
    number: str
    signed_in_at: datetime
    idle_since: datetime
    on_call: str | None
    offering: str | None
    missed: int


@dataclass(frozen=True, slots=True)
class Left:
    """A caller who left the queue without an operator: `wait_s` is their time in it."""

    call: WaitingCall
    wait_s: float


@dataclass(slots=True)
class _OperatorState:
    operator: Operator
    signed_in_at: datetime
    idle_since: datetime
    order: int  # sign-in order breaks ties between equally idle operators
    on_call: str | None = None
    offering: str | None = None
    missed: int = 0

    @property
    def free(self) -> bool:
        return self.on_call is None and self.offering is None


class QueueState:
    """One queue's callers and operators; see the module docstring for the rules."""

    def __init__(self, *, max_missed: int = DEFAULT_MAX_MISSED) -> None:
        self.max_missed = max_missed
        self._calls: dict[str, WaitingCall] = {}  # insertion order is the queue order
        self._offered: dict[str, int] = {}  # call id -> person id whose phone rings
        self._operators: dict[int, _OperatorState] = {}
        self._order = 0

    # -- callers -------------------------------------------------------------------------------

    def join(self, call: WaitingCall) -> int:
        """Put a caller last in the queue; their position."""
        if call.call_id in self._calls:
            raise ValueError(f"call {call.call_id} is already in the queue")
        self._calls[call.call_id] = call
        return len(self._calls)

    def leave(self, call_id: str, now: datetime) -> Left | None:
        """Take a caller out (hung up, or asked to be called back); None if not queued."""
        call = self._calls.pop(call_id, None)
        if call is None:
            return None
        person_id = self._offered.pop(call_id, None)
        if person_id is not None and person_id in self._operators:
            self._operators[person_id].offering = None
        return Left(call, call.wait_s(now))

    def position(self, call_id: str) -> int | None:
        """1 for the first in line; None when not queued."""
        for index, key in enumerate(self._calls, start=1):
            if key == call_id:
                return index
        return None

    def __len__(self) -> int:
        return len(self._calls)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def call(self, call_id: str) -> WaitingCall | None:
        return self._calls.get(call_id)

    def calls(self) -> list[WaitingCall]:
        return list(self._calls.values())

    def offered_to(self, call_id: str) -> int | None:
        return self._offered.get(call_id)

    # -- operators -----------------------------------------------------------------------------

    def sign_in(self, operator: Operator, now: datetime) -> bool:
        """Sign an operator in (idle from now); False if already signed in (number updated)."""
        state = self._operators.get(operator.person_id)
        if state is not None:
            state.operator = operator
            return False
        self._order += 1
        self._operators[operator.person_id] = _OperatorState(operator, now, now, self._order)
        return True

    def restore(self, operator: Operator, signed_in_at: datetime, now: datetime) -> bool:
        """Sign in again an operator who was signed in before a restart: the sign-in time is
        theirs, and they are idle from now (restore in sign-in order: it breaks the ties).
        False if they are already signed in (left as they are)."""
        if operator.person_id in self._operators:
            return False
        self._order += 1
        self._operators[operator.person_id] = _OperatorState(
            operator, signed_in_at, now, self._order
        )
        return True

    def sign_out(self, person_id: int) -> bool:
        """Sign an operator out; a call being offered to them goes back to waiting."""
        state = self._operators.pop(person_id, None)
        if state is None:
            return False
        if state.offering is not None:
            self._offered.pop(state.offering, None)
        return True

    def is_signed_in(self, person_id: int) -> bool:
        return person_id in self._operators

    def operators(self) -> list[OperatorView]:
        return [
            OperatorView(
                s.operator.person_id,
                s.operator.name,
                s.operator.number,
                s.signed_in_at,
                s.idle_since,
                s.on_call,
                s.offering,
                s.missed,
            )
            for s in sorted(self._operators.values(), key=lambda s: s.order)
        ]

    @property
    def signed_in(self) -> int:
        return len(self._operators)

    # -- offering --------------------------------------------------------------------------------

    def next_offer(self) -> tuple[WaitingCall, Operator] | None:
        """The first caller not being offered, and the free operator idle the longest."""
        call = next((c for c in self._calls.values() if c.call_id not in self._offered), None)
        if call is None:
            return None
        free = [s for s in self._operators.values() if s.free]
        if not free:
            return None
        chosen = min(free, key=lambda s: (s.idle_since, s.order))
        return call, chosen.operator

    def start_offer(self, call_id: str, operator: Operator) -> None:
        """The operator's phone rings for this call (also for a console pick, signed in or not)."""
        if call_id not in self._calls:
            raise ValueError(f"call {call_id} is not in the queue")
        if call_id in self._offered:
            raise ValueError(f"call {call_id} is already offered to {self._offered[call_id]}")
        self._offered[call_id] = operator.person_id
        state = self._operators.get(operator.person_id)
        if state is not None:
            if not state.free:
                raise ValueError(f"operator {operator.person_id} is not free")
            state.offering = call_id

    def offer_answered(self, call_id: str, person_id: int, now: datetime) -> Left | None:
        """The operator answered: the caller leaves the queue (with their wait)."""
        self._offered.pop(call_id, None)
        call = self._calls.pop(call_id, None)
        state = self._operators.get(person_id)
        if state is not None:
            state.offering = None
            state.on_call = call_id
            state.missed = 0
        return None if call is None else Left(call, call.wait_s(now))

    def offer_failed(self, call_id: str, person_id: int, now: datetime) -> bool:
        """Nobody answered: the caller keeps their place, the operator goes to the back of
        the idle order. True when that was one miss too many and the operator is signed out."""
        if self._offered.get(call_id) == person_id:
            del self._offered[call_id]
        state = self._operators.get(person_id)
        if state is None:
            return False
        state.offering = None
        state.idle_since = now
        state.missed += 1
        if state.missed >= self.max_missed:
            self.sign_out(person_id)
            return True
        return False

    def offer_withdrawn(self, call_id: str, person_id: int) -> None:
        """The offer was called off (the caller left or chose a callback): no fault of theirs."""
        if self._offered.get(call_id) == person_id:
            del self._offered[call_id]
        state = self._operators.get(person_id)
        if state is not None and state.offering == call_id:
            state.offering = None

    def call_ended(self, person_id: int, now: datetime) -> None:
        """The operator's call is over: idle from now."""
        state = self._operators.get(person_id)
        if state is not None:
            state.on_call = None
            state.idle_since = now

    # -- the console -----------------------------------------------------------------------------

    def snapshot(self, now: datetime) -> list[QueuedCallView]:
        """The waiting calls, first in line first, with their waiting times."""
        return [
            QueuedCallView(
                call_id=c.call_id,
                caller_number=c.caller_number,
                waiting_since=c.since,
                position=index,
                caller_name=c.caller_name,
                dialled=c.dialled,
                wait_s=c.wait_s(now),
                offered_to=self._offered.get(c.call_id),
            )
            for index, c in enumerate(self._calls.values(), start=1)
        ]
