"""RFC 3261 §17 transactions, sans-IO: the four state machines and their keys.

A transaction never touches a socket or a clock. Messages and time come in as arguments
(`receive(msg, now)`, `send_response(resp, now)`, `handle_timer(now)`); what to do comes back
as a list of actions (`Transmit`, `Deliver`, `Timeout`, `TransportError`, `Terminated`).
Each machine is one transition table keyed by (state, event), read next to Figures 5–8 of
RFC 3261 and RFC 6026 §7 (the Accepted state).

Timers are data (see `vaxel.sip.timers`): `get_timer()` is the earliest deadline, and the
caller calls `handle_timer(now)` once that moment has passed. The live transactions of an
endpoint, matched by key and timed together, are kept in `vaxel.sip.transaction_table`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from vaxel.sip.errors import LocalProtocolError
from vaxel.sip.headers import Via
from vaxel.sip.message import Request, Response, SipMessage
from vaxel.sip.timers import Timer, TimerConfig, Timers

if TYPE_CHECKING:
    from vaxel.sip.transaction_table import TransactionTable

__all__ = [
    "MAGIC_COOKIE",
    "Action",
    "ClientInviteTransaction",
    "ClientNonInviteTransaction",
    "ClientTransaction",
    "Deliver",
    "Event",
    "ICTState",
    "ISTState",
    "NICTState",
    "NISTState",
    "ServerInviteTransaction",
    "ServerNonInviteTransaction",
    "ServerTransaction",
    "Terminated",
    "Timeout",
    "Transaction",
    "TransactionKey",
    "Transmit",
    "TransportError",
    "make_ack_for_non2xx",
    "make_cancel",
    "new_branch",
]

MAGIC_COOKIE = "z9hG4bK"  # RFC 3261 §8.1.1.7: a branch that starts so was made by a 3261 peer
DEFAULT_TIMERS = TimerConfig()


# -- Actions: what the caller must do after a call ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Transmit:
    """Send this message to the transaction's peer (the transport knows where: `tx.peer`)."""

    message: SipMessage


@dataclass(frozen=True, slots=True)
class Deliver:
    """Pass this message up to the TU: a response (client side) or the request (server side)."""

    message: SipMessage


@dataclass(frozen=True, slots=True)
class Timeout:
    """The transaction gave up (Timer B, F, H, or L without an ACK); a client TU takes it as 408."""

    timer: Timer


@dataclass(frozen=True, slots=True)
class TransportError:
    """The transport could not send; the TU treats it as 503 (client) or gives up (server)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Terminated:
    """The transaction reached Terminated and can be forgotten; always the last action."""


Action = Transmit | Deliver | Timeout | TransportError | Terminated


# -- States and events -------------------------------------------------------------------------


class ICTState(Enum):
    """INVITE client transaction, RFC 3261 Figure 5 with RFC 6026's Accepted."""

    CALLING = "Calling"
    PROCEEDING = "Proceeding"
    COMPLETED = "Completed"
    ACCEPTED = "Accepted"
    TERMINATED = "Terminated"


class NICTState(Enum):
    """Non-INVITE client transaction, RFC 3261 Figure 6."""

    TRYING = "Trying"
    PROCEEDING = "Proceeding"
    COMPLETED = "Completed"
    TERMINATED = "Terminated"


class ISTState(Enum):
    """INVITE server transaction, RFC 3261 Figure 7 with RFC 6026's Accepted."""

    PROCEEDING = "Proceeding"
    COMPLETED = "Completed"
    CONFIRMED = "Confirmed"
    ACCEPTED = "Accepted"
    TERMINATED = "Terminated"


class NISTState(Enum):
    """Non-INVITE server transaction, RFC 3261 Figure 8."""

    TRYING = "Trying"
    PROCEEDING = "Proceeding"
    COMPLETED = "Completed"
    TERMINATED = "Terminated"


class Event(Enum):
    """Inputs that are not timers (timers are events too, under their `Timer` names)."""

    REQUEST = "request (retransmission)"
    ACK = "ACK"
    RESPONSE_1XX = "1xx from the network"
    RESPONSE_2XX = "2xx from the network"
    RESPONSE_300_699 = "300-699 from the network"
    TU_1XX = "1xx from the TU"
    TU_2XX = "2xx from the TU"
    TU_300_699 = "300-699 from the TU"
    TRANSPORT_ERROR = "transport error"


def _status_event(status: int, *, from_tu: bool) -> Event:
    if not 100 <= status <= 699:
        raise LocalProtocolError(f"status {status} is not a SIP response code")
    if status < 200:
        return Event.TU_1XX if from_tu else Event.RESPONSE_1XX
    if status < 300:
        return Event.TU_2XX if from_tu else Event.RESPONSE_2XX
    return Event.TU_300_699 if from_tu else Event.RESPONSE_300_699


Handler = Callable[..., list[Action]]
Table = Mapping[tuple[Any, Event | Timer], tuple[Any, Handler]]


# -- Transaction keys (§17.1.3, §17.2.3) -------------------------------------------------------


def _sent_by(via: Via) -> str:
    host = via.host.lower()
    return host if via.port is None else f"{host}:{via.port}"


@dataclass(frozen=True, slots=True)
class TransactionKey:
    """What identifies a transaction: branch and method, plus sent-by on the server side.

    For an RFC 2543 peer (a branch without the magic cookie) `legacy` holds the fields of
    §17.2.3's fallback instead: Request-URI, From tag, Call-ID, CSeq number and top Via. The
    To tag is checked after the look-up, because the ACK's differs from the INVITE's.
    """

    branch: str
    method: str
    sent_by: str = ""
    legacy: tuple[str | int | None, ...] = ()

    @classmethod
    def for_client(cls, message: SipMessage) -> TransactionKey:
        """§17.1.3: top Via branch and CSeq method, the same for a request and its responses."""
        return cls(message.top_via.branch or "", message.cseq.method)

    @classmethod
    def for_server(cls, request: Request) -> TransactionKey:
        """§17.2.3: branch, sent-by and method, the ACK counting as INVITE."""
        via = request.top_via
        method = "INVITE" if request.method == "ACK" else request.method
        branch = via.branch or ""
        if branch.startswith(MAGIC_COOKIE):
            return cls(branch, method, _sent_by(via))
        legacy = (str(request.uri), request.from_.tag, request.call_id, request.cseq.seq, str(via))
        return cls("", method, legacy=legacy)


# -- The common machinery ----------------------------------------------------------------------


def _fail(timer: Timer) -> Handler:
    def handler(tx: Transaction, message: None, now: float) -> list[Action]:
        return [Timeout(timer)]

    return handler


def _nothing(tx: Transaction, message: object, now: float) -> list[Action]:
    return []


def _transport_failed(tx: Transaction, reason: str, now: float) -> list[Action]:
    return [TransportError(reason)]


def _with_transport_errors(table: dict[tuple[Any, Event | Timer], tuple[Any, Handler]],
                           states: type[Enum]) -> Table:
    """Every live state goes to Terminated on a transport error (§17.1.4, §17.2.4)."""
    terminated = states["TERMINATED"]
    for state in states:
        if state is not terminated:
            table[(state, Event.TRANSPORT_ERROR)] = (terminated, _transport_failed)
    return table


class Transaction:
    """What the four machines share: the request, the timers, and the table-driven step."""

    TRANSITIONS: ClassVar[Table]
    TERMINATED: ClassVar[Any]

    def __init__(self, request: Request, now: float, reliable: bool, config: TimerConfig,
                 key: TransactionKey) -> None:
        self.request = request
        self.reliable = reliable
        self.config = config
        self.key = key
        self.timers = Timers()
        self.state: Any = None
        self.last_response: Response | None = None
        self.initial_actions: list[Action] = []
        # Where the transport sends this transaction's messages; opaque to this layer.
        self.peer: object = None
        # Set by TransactionTable.add: told after every step so it can re-file the timer.
        self._table: TransactionTable | None = None
        self._scheduled: float | None = None

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def terminated(self) -> bool:
        return self.state is self.TERMINATED

    def get_timer(self) -> float | None:
        """The earliest armed deadline, or None."""
        return self.timers.earliest()

    def handle_timer(self, now: float) -> list[Action]:
        """Fire every timer due at `now`, earliest first."""
        actions: list[Action] = []
        while (timer := self.timers.pop_due(now)) is not None:
            actions += self._step(timer, None, now)
        return actions

    def transport_error(self, now: float, reason: str = "transport failure") -> list[Action]:
        """The transport could not send one of this transaction's messages."""
        return self._step(Event.TRANSPORT_ERROR, reason, now)

    def _step(self, event: Event | Timer, message: object, now: float,
              from_tu: bool = False) -> list[Action]:
        entry = self.TRANSITIONS.get((self.state, event))
        if entry is None:
            if from_tu:
                raise LocalProtocolError(
                    f"{type(self).__name__}: cannot send a {event.value} in {self.state.value}"
                )
            return []  # absorbed: late retransmissions and the like
        next_state, handler = entry
        actions = handler(self, message, now)
        self.state = next_state
        if next_state is self.TERMINATED:
            self.timers.clear()
            actions.append(Terminated())
        if self._table is not None:
            self._table._changed(self)
        return actions

    def _after(self, now: float, unreliable: float, reliable: float = 0.0) -> float:
        return now + (reliable if self.reliable else unreliable)

    def __repr__(self) -> str:
        state = self.state.value if self.state else None
        return f"<{type(self).__name__} {self.method} {self.key.branch or self.key.legacy} {state}>"


class ClientTransaction(Transaction):
    """A client transaction: the TU hands it a request; responses come back from the network."""

    def __init__(self, request: Request, now: float, reliable: bool, config: TimerConfig) -> None:
        super().__init__(request, now, reliable, config, TransactionKey.for_client(request))
        if not self.key.branch.startswith(MAGIC_COOKIE):
            raise LocalProtocolError("a client transaction needs a Via branch from new_branch()")
        self.initial_actions = [Transmit(request)]

    def receive(self, response: Response, now: float) -> list[Action]:
        """A response from the network, matched to this transaction."""
        self.last_response = response
        return self._step(_status_event(response.status, from_tu=False), response, now)

    def _deliver(self, response: Response, now: float) -> list[Action]:
        return [Deliver(response)]


class ServerTransaction(Transaction):
    """A server transaction: a request came from the network; the TU answers through it."""

    def __init__(self, request: Request, now: float, reliable: bool, config: TimerConfig) -> None:
        if request.method == "ACK":
            raise LocalProtocolError("an ACK never creates a server transaction")
        super().__init__(request, now, reliable, config, TransactionKey.for_server(request))
        self.initial_actions = [Deliver(request)]

    def receive(self, request: Request, now: float) -> list[Action]:
        """A request from the network matched to this transaction: a retransmission or the ACK."""
        event = Event.ACK if request.method == "ACK" else Event.REQUEST
        return self._step(event, request, now)

    def send_response(self, response: Response, now: float) -> list[Action]:
        """A response from the TU; LocalProtocolError if the state does not allow it."""
        return self._step(_status_event(response.status, from_tu=True), response, now, from_tu=True)

    def _send(self, response: Response, now: float) -> list[Action]:
        self.last_response = response
        return [Transmit(response)]

    def _resend(self, request: Request, now: float) -> list[Action]:
        return [] if self.last_response is None else [Transmit(self.last_response)]

    def legacy_to_tag_matches(self, request: Request) -> bool:
        """The To-tag half of RFC 2543 matching (§17.2.3), done after the key look-up."""
        if request.method == "ACK":
            response = self.last_response
            return response is not None and request.to.tag == response.to.tag
        return request.to.tag == self.request.to.tag


# -- Figure 5: INVITE client transaction (with RFC 6026) --------------------------------------


class ClientInviteTransaction(ClientTransaction):
    """ICT. Generates the ACK for a non-2xx itself (§17.1.1.3); a 2xx goes up and the TU ACKs."""

    TERMINATED = ICTState.TERMINATED

    def __init__(self, request: Request, now: float, reliable: bool = False,
                 config: TimerConfig = DEFAULT_TIMERS) -> None:
        if request.method != "INVITE":
            raise LocalProtocolError(f"ClientInviteTransaction for {request.method}")
        super().__init__(request, now, reliable, config)
        self.state = ICTState.CALLING
        self.ack: Request | None = None
        self._interval = config.t1
        if not reliable:
            self.timers.arm(Timer.A, now + config.t1)
        self.timers.arm(Timer.B, now + config.timeout)

    def _retransmit(self, _: None, now: float) -> list[Action]:
        self._interval *= 2  # Timer A doubles without a cap (§17.1.1.2)
        self.timers.arm(Timer.A, now + self._interval)
        return [Transmit(self.request)]

    def _proceeding(self, response: Response, now: float) -> list[Action]:
        self.timers.cancel(Timer.A, Timer.B)
        return [Deliver(response)]

    def _completed(self, response: Response, now: float) -> list[Action]:
        self.timers.cancel(Timer.A, Timer.B)
        self.ack = make_ack_for_non2xx(self.request, response)
        self.timers.arm(Timer.D, self._after(now, self.config.timer_d))
        return [Deliver(response), Transmit(self.ack)]

    def _resend_ack(self, response: Response, now: float) -> list[Action]:
        return [] if self.ack is None else [Transmit(self.ack)]

    def _accepted(self, response: Response, now: float) -> list[Action]:
        self.timers.cancel(Timer.A, Timer.B)
        self.timers.arm(Timer.M, now + self.config.timeout)
        return [Deliver(response)]

    TRANSITIONS = _with_transport_errors({
        (ICTState.CALLING, Timer.A): (ICTState.CALLING, _retransmit),
        (ICTState.CALLING, Timer.B): (ICTState.TERMINATED, _fail(Timer.B)),
        (ICTState.CALLING, Event.RESPONSE_1XX): (ICTState.PROCEEDING, _proceeding),
        (ICTState.CALLING, Event.RESPONSE_2XX): (ICTState.ACCEPTED, _accepted),
        (ICTState.CALLING, Event.RESPONSE_300_699): (ICTState.COMPLETED, _completed),
        (ICTState.PROCEEDING, Event.RESPONSE_1XX):
            (ICTState.PROCEEDING, ClientTransaction._deliver),
        (ICTState.PROCEEDING, Event.RESPONSE_2XX): (ICTState.ACCEPTED, _accepted),
        (ICTState.PROCEEDING, Event.RESPONSE_300_699): (ICTState.COMPLETED, _completed),
        (ICTState.COMPLETED, Event.RESPONSE_300_699): (ICTState.COMPLETED, _resend_ack),
        (ICTState.COMPLETED, Timer.D): (ICTState.TERMINATED, _nothing),
        # RFC 6026 §8.4: 2xx retransmissions (and 2xx from other forks) go up to the TU.
        (ICTState.ACCEPTED, Event.RESPONSE_2XX): (ICTState.ACCEPTED, ClientTransaction._deliver),
        (ICTState.ACCEPTED, Timer.M): (ICTState.TERMINATED, _nothing),
    }, ICTState)


# -- Figure 6: non-INVITE client transaction ---------------------------------------------------


class ClientNonInviteTransaction(ClientTransaction):
    """NICT: REGISTER, OPTIONS, BYE, CANCEL, … from our side."""

    TERMINATED = NICTState.TERMINATED

    def __init__(self, request: Request, now: float, reliable: bool = False,
                 config: TimerConfig = DEFAULT_TIMERS) -> None:
        if request.method in ("INVITE", "ACK"):
            raise LocalProtocolError(f"ClientNonInviteTransaction for {request.method}")
        super().__init__(request, now, reliable, config)
        self.state = NICTState.TRYING
        self._interval = config.t1
        if not reliable:
            self.timers.arm(Timer.E, now + config.t1)
        self.timers.arm(Timer.F, now + config.timeout)

    def _retransmit(self, _: None, now: float) -> list[Action]:
        # Timer E doubles up to T2 in Trying; once a 1xx came it stays at T2 (§17.1.2.2).
        if self.state is NICTState.PROCEEDING:
            self._interval = self.config.t2
        else:
            self._interval = min(2 * self._interval, self.config.t2)
        self.timers.arm(Timer.E, now + self._interval)
        return [Transmit(self.request)]

    def _completed(self, response: Response, now: float) -> list[Action]:
        self.timers.cancel(Timer.E, Timer.F)
        self.timers.arm(Timer.K, self._after(now, self.config.t4))
        return [Deliver(response)]

    TRANSITIONS = _with_transport_errors({
        (NICTState.TRYING, Timer.E): (NICTState.TRYING, _retransmit),
        (NICTState.TRYING, Timer.F): (NICTState.TERMINATED, _fail(Timer.F)),
        (NICTState.TRYING, Event.RESPONSE_1XX): (NICTState.PROCEEDING, ClientTransaction._deliver),
        (NICTState.TRYING, Event.RESPONSE_2XX): (NICTState.COMPLETED, _completed),
        (NICTState.TRYING, Event.RESPONSE_300_699): (NICTState.COMPLETED, _completed),
        (NICTState.PROCEEDING, Timer.E): (NICTState.PROCEEDING, _retransmit),
        (NICTState.PROCEEDING, Timer.F): (NICTState.TERMINATED, _fail(Timer.F)),
        (NICTState.PROCEEDING, Event.RESPONSE_1XX):
            (NICTState.PROCEEDING, ClientTransaction._deliver),
        (NICTState.PROCEEDING, Event.RESPONSE_2XX): (NICTState.COMPLETED, _completed),
        (NICTState.PROCEEDING, Event.RESPONSE_300_699): (NICTState.COMPLETED, _completed),
        (NICTState.COMPLETED, Timer.K): (NICTState.TERMINATED, _nothing),
    }, NICTState)


# -- Figure 7: INVITE server transaction (with RFC 6026) --------------------------------------


class ServerInviteTransaction(ServerTransaction):
    """IST. Sends 100 Trying at once unless told not to; resends the last response on retransmitted
    INVITEs; in Accepted also resends the 2xx for the TU (§13.3.1.4) until the ACK is fed back."""

    TERMINATED = ISTState.TERMINATED

    def __init__(self, request: Request, now: float, reliable: bool = False,
                 config: TimerConfig = DEFAULT_TIMERS, trying: bool = True) -> None:
        if request.method != "INVITE":
            raise LocalProtocolError(f"ServerInviteTransaction for {request.method}")
        super().__init__(request, now, reliable, config)
        self.state = ISTState.PROCEEDING
        self.acked = False
        self._interval = config.t1
        if trying:
            self.last_response = request.response(100)
            self.initial_actions = [Transmit(self.last_response), *self.initial_actions]

    def _completed(self, response: Response, now: float) -> list[Action]:
        if not self.reliable:
            self.timers.arm(Timer.G, now + self.config.t1)
        self.timers.arm(Timer.H, now + self.config.timeout)
        return self._send(response, now)

    def _retransmit(self, _: None, now: float) -> list[Action]:
        self._interval = min(2 * self._interval, self.config.t2)
        timer = Timer.G if self.state is ISTState.COMPLETED else Timer.RETRANSMIT_2XX
        self.timers.arm(timer, now + self._interval)
        return self._resend(self.request, now)

    def _confirmed(self, ack: Request, now: float) -> list[Action]:
        self.acked = True
        self.timers.cancel(Timer.G, Timer.H)
        self.timers.arm(Timer.I, self._after(now, self.config.t4))
        return []

    def _accepted(self, response: Response, now: float) -> list[Action]:
        if not self.reliable:
            self.timers.arm(Timer.RETRANSMIT_2XX, now + self.config.t1)
        self.timers.arm(Timer.L, now + self.config.timeout)
        return self._send(response, now)

    def _ack_for_2xx(self, ack: Request, now: float) -> list[Action]:
        self.acked = True
        self.timers.cancel(Timer.RETRANSMIT_2XX)
        return [Deliver(ack)]

    def _accepted_over(self, _: None, now: float) -> list[Action]:
        # §13.3.1.4: no ACK within 64*T1 means the TU should end the session with a BYE.
        return [] if self.acked else [Timeout(Timer.L)]

    TRANSITIONS = _with_transport_errors({
        (ISTState.PROCEEDING, Event.REQUEST): (ISTState.PROCEEDING, ServerTransaction._resend),
        (ISTState.PROCEEDING, Event.TU_1XX): (ISTState.PROCEEDING, ServerTransaction._send),
        (ISTState.PROCEEDING, Event.TU_2XX): (ISTState.ACCEPTED, _accepted),
        (ISTState.PROCEEDING, Event.TU_300_699): (ISTState.COMPLETED, _completed),
        (ISTState.COMPLETED, Event.REQUEST): (ISTState.COMPLETED, ServerTransaction._resend),
        (ISTState.COMPLETED, Timer.G): (ISTState.COMPLETED, _retransmit),
        (ISTState.COMPLETED, Timer.H): (ISTState.TERMINATED, _fail(Timer.H)),
        (ISTState.COMPLETED, Event.ACK): (ISTState.CONFIRMED, _confirmed),
        (ISTState.CONFIRMED, Event.REQUEST): (ISTState.CONFIRMED, _nothing),
        (ISTState.CONFIRMED, Event.ACK): (ISTState.CONFIRMED, _nothing),
        (ISTState.CONFIRMED, Timer.I): (ISTState.TERMINATED, _nothing),
        # RFC 6026 §8.7: INVITE retransmissions are absorbed; further 2xx from the TU are sent.
        (ISTState.ACCEPTED, Event.REQUEST): (ISTState.ACCEPTED, _nothing),
        (ISTState.ACCEPTED, Event.TU_2XX): (ISTState.ACCEPTED, ServerTransaction._send),
        (ISTState.ACCEPTED, Event.ACK): (ISTState.ACCEPTED, _ack_for_2xx),
        (ISTState.ACCEPTED, Timer.RETRANSMIT_2XX): (ISTState.ACCEPTED, _retransmit),
        (ISTState.ACCEPTED, Timer.L): (ISTState.TERMINATED, _accepted_over),
    }, ISTState)


# -- Figure 8: non-INVITE server transaction ---------------------------------------------------


class ServerNonInviteTransaction(ServerTransaction):
    """NIST: absorbs retransmitted requests and resends the last response."""

    TERMINATED = NISTState.TERMINATED

    def __init__(self, request: Request, now: float, reliable: bool = False,
                 config: TimerConfig = DEFAULT_TIMERS) -> None:
        if request.method == "INVITE":
            raise LocalProtocolError("ServerNonInviteTransaction for INVITE")
        super().__init__(request, now, reliable, config)
        self.state = NISTState.TRYING

    def _completed(self, response: Response, now: float) -> list[Action]:
        self.timers.arm(Timer.J, self._after(now, self.config.timeout))
        return self._send(response, now)

    TRANSITIONS = _with_transport_errors({
        (NISTState.TRYING, Event.REQUEST): (NISTState.TRYING, _nothing),
        (NISTState.TRYING, Event.TU_1XX): (NISTState.PROCEEDING, ServerTransaction._send),
        (NISTState.TRYING, Event.TU_2XX): (NISTState.COMPLETED, _completed),
        (NISTState.TRYING, Event.TU_300_699): (NISTState.COMPLETED, _completed),
        (NISTState.PROCEEDING, Event.REQUEST): (NISTState.PROCEEDING, ServerTransaction._resend),
        (NISTState.PROCEEDING, Event.TU_1XX): (NISTState.PROCEEDING, ServerTransaction._send),
        (NISTState.PROCEEDING, Event.TU_2XX): (NISTState.COMPLETED, _completed),
        (NISTState.PROCEEDING, Event.TU_300_699): (NISTState.COMPLETED, _completed),
        (NISTState.COMPLETED, Event.REQUEST): (NISTState.COMPLETED, ServerTransaction._resend),
        (NISTState.COMPLETED, Timer.J): (NISTState.TERMINATED, _nothing),
    }, NISTState)


# -- Helpers -----------------------------------------------------------------------------------


def new_branch(entropy: bytes | None = None) -> str:
    """A fresh Via branch with the RFC 3261 magic cookie; random unless `entropy` is given."""
    return MAGIC_COOKIE + (secrets.token_bytes(12) if entropy is None else entropy).hex()


def make_ack_for_non2xx(invite: Request, response: Response) -> Request:
    """§17.1.1.3: the ACK the ICT sends for a 300–699 (same branch, To from the response)."""
    headers = [
        ("Via", str(invite.top_via)),
        ("Max-Forwards", "70"),
        ("From", str(invite.from_)),
        ("To", str(response.to)),
        ("Call-ID", invite.call_id),
        ("CSeq", f"{invite.cseq.seq} ACK"),
    ]
    headers += [("Route", str(route)) for route in invite.routes]
    return Request.create("ACK", invite.uri, headers)


def make_cancel(invite: Request) -> Request:
    """§9.1: a CANCEL for our INVITE: same branch, Request-URI, Call-ID, From, To, CSeq number."""
    headers = [
        ("Via", str(invite.top_via)),
        ("Max-Forwards", "70"),
        ("From", str(invite.from_)),
        ("To", str(invite.to)),
        ("Call-ID", invite.call_id),
        ("CSeq", f"{invite.cseq.seq} CANCEL"),
    ]
    headers += [("Route", str(route)) for route in invite.routes]
    return Request.create("CANCEL", invite.uri, headers)
