"""Calls as the B2BUA keeps them: the A leg, the B legs rung at once (a `Fork`), the states
and events of the transition table (b2bua.py), and what the B2BUA tells the apps."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from vaxel.domain.calls import CallOutcome
from vaxel.sip.dialog import Dialog, DialogId
from vaxel.sip.endpoint import Peer
from vaxel.sip.message import Request, Response
from vaxel.sip.transaction import (
    ClientInviteTransaction,
    ServerInviteTransaction,
    ServerTransaction,
)
from vaxel.switch.call_context import RingOutcome
from vaxel.switch.directory import Account
from vaxel.switch.registrar import Binding

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO"
# Headers that carry a body's meaning from one leg to the other.
BODY_HEADERS = ("Content-Type", "Content-Disposition", "Content-Encoding", "Content-Language")
SDP = ("Content-Type", "application/sdp")


class CallState(enum.Enum):
    ROUTING = "Routing"  # the caller is not answered and nothing rings: an app decides
    PROCEEDING = "Proceeding"  # B legs ring with the caller's SDP, no answer yet
    ORIGINATING = "Originating"  # we call a phone first (click to call); it becomes side A
    ANSWERED = "Answered"  # 2xx sent to A, waiting for A's ACK
    CONFIRMED = "Confirmed"  # A's dialog is up
    ENDED = "Ended"


class Side(enum.Enum):
    A = "A"  # the caller (or, for a call we originate, the phone that answered first)
    B = "B"  # the phone A is connected to
    H = "H"  # a phone on hold while A's operator consults another (förfrågan)


class Ev(enum.Enum):
    B_PROVISIONAL = "1xx from a B leg"
    B_ANSWERED = "2xx from a B leg"
    B_FAILED = "final 3xx-6xx (or timeout) from a B leg"
    RING_TIMEOUT = "nobody answered in time"
    A_CANCEL = "CANCEL from A"
    A_ACK = "ACK from A for the 2xx"
    A_NO_ACK = "A never ACKed the 2xx (Timer L)"
    BYE = "BYE from either side"
    REQUEST = "another in-dialog request from either side"
    APP_RING = "an app rings phones"
    APP_ANSWER = "an app answers the caller with our media"
    APP_STOP = "an app stops the ringing"
    APP_HANGUP = "an app hangs up"
    APP_DROP = "an app lets the connected phone go (a transfer)"
    APP_HOLD = "an app puts the connected phone on hold (a consultation)"
    APP_RESUME = "an app connects the phone on hold again (the consultation is over)"
    APP_DROP_HELD = "an app lets the phone on hold go (the consultation is completed)"
    HELD_BYE = "BYE from the phone on hold"


RingDone = Callable[[RingOutcome, str], None]  # how ringing ended, and who answered


class CallHooks(Protocol):
    """What the B2BUA tells the app side of a call (signalling.CallSide implements it)."""

    def ended(self) -> None:
        """The call is over: BYE or CANCEL from the caller, or it ended otherwise."""
        ...

    def b_answered(self, leg: Leg, response: Response) -> None:
        """An anchored leg answered (its 2xx is ACKed): connect the media. Raise to refuse."""
        ...

    def held_gone(self) -> None:
        """The phone on hold hung up (an operator who consulted someone)."""
        ...

    def offer_in(self, side: Side, body: bytes) -> bytes | None:
        """An SDP offer on an anchored leg (re-INVITE): our answer, or None for 488."""
        ...


class CallApps(Protocol):
    """The switch's apps, as the B2BUA starts them (signalling.SwitchCalls implements it)."""

    def start(self, call: Call) -> None:
        """A new call to route: take it over (the app answers, rings or rejects it)."""
        ...

    def connected(self, call: Call, leg: Leg) -> None:
        """A phone answered a call (busy state, callbacks completed by a connected call)."""
        ...


@dataclass(eq=False)
class Leg:
    """One B leg: our INVITE to one contact."""

    tx: ClientInviteTransaction
    request: Request
    peer: Peer
    binding: Binding
    account: Account
    fork: Fork
    provisional: bool = False
    cancel_wanted: bool = False
    cancel_sent: bool = False
    final: int | None = None
    dialog: Dialog | None = None
    ack: Request | None = None


@dataclass(eq=False)
class Fork:
    """The B legs rung at once for one purpose, until one answers or the deadline."""

    call: Call
    anchored: bool  # legs carry our SDP; else the caller's
    deadline: float
    on_done: RingDone | None = None
    legs: list[Leg] = field(default_factory=list)
    busy: bool = False
    over: bool = False


@dataclass(eq=False)
class Relay:
    """An in-dialog request relayed from one side to the other, waiting for its answer."""

    call: Call
    src: Side
    src_tx: ServerTransaction
    src_request: Request
    dst_request: Request


@dataclass(eq=False)
class Call:
    a_tx: ServerInviteTransaction | None  # None: an originated call (no INVITE from A)
    a_request: Request | None
    a_peer: Peer
    a_tag: str
    caller: Account | None
    from_number: str
    to_number: str
    started_at: datetime
    state: CallState = CallState.PROCEEDING
    dialled: str = ""
    fork: Fork | None = None
    winner: Leg | None = None
    held: Leg | None = None  # the operator's phone while they consult another
    a_dialog: Dialog | None = None
    answered_at: datetime | None = None  # A's 2xx was sent
    connected_at: datetime | None = None  # a phone answered (for the speed of answer)
    ended_at: datetime | None = None
    outcome: CallOutcome | None = None
    anchored: bool = False  # A's media is ours (answered by an app, or originated)
    hooks: CallHooks | None = None
    app_running: bool = False  # an app still has the call: it writes the record when done
    informed: bool = False
    unit_id: int | None = None
    answered_by: str = ""
    recorded: bool = False
    talking: list[int] = field(default_factory=list)  # person ids counted as on the phone
    # (side that sent the INVITE, its CSeq) -> the other side's INVITE to ACK when it comes
    acks: dict[tuple[Side, int], tuple[Side, Request, Response | None]] = field(
        default_factory=dict
    )
    relaying: bool = False  # an INVITE is being relayed in the dialog (glare → 491)
    dialog_ids: list[DialogId] = field(default_factory=list)  # our index entries
    call_id_: str = ""

    @property
    def call_id(self) -> str:
        return self.a_request.call_id if self.a_request is not None else self.call_id_

    @property
    def caller_person_id(self) -> int | None:
        return None if self.caller is None else self.caller.person_id

    def leg(self, side: Side) -> Leg | None:
        return self.held if side is Side.H else self.winner

    def dialog(self, side: Side) -> Dialog | None:
        if side is Side.A:
            return self.a_dialog
        leg = self.leg(side)
        return None if leg is None else leg.dialog

    def peer(self, side: Side) -> Peer:
        if side is Side.A:
            return self.a_peer
        leg = self.leg(side)
        assert leg is not None
        return leg.peer


def other_side(side: Side) -> Side:
    return Side.B if side is Side.A else Side.A


def body_headers(message: Request | Response) -> list[tuple[str, str]]:
    if not message.body:
        return []
    return [(n, v) for n in BODY_HEADERS for v in message.headers.values(n)]
