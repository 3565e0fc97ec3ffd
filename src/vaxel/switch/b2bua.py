"""Calls between extensions: a back-to-back user agent with one transition table.

A call has an A leg (the caller's INVITE, answered through its server transaction) and one B
leg per registered contact of the callee, rung in parallel. The first 2xx wins and the other
legs are CANCELed; the 2xx goes to A with the callee's SDP unchanged, and A's ACK goes on to
B (end to end). After that, BYE from either side ends both dialogs, and re-INVITEs and other
in-dialog requests are relayed both ways.

The call's life is the table `TRANSITIONS`: (state, event) → handler; the handler does the
SIP work and returns the next state. Everything not in the table is ignored for that state.
"""

from __future__ import annotations

import contextlib
import enum
import heapq
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from vaxel.domain.calls import CallOutcome, CallRecord
from vaxel.sip.dialog import Dialog, DialogId, new_tag
from vaxel.sip.endpoint import Endpoint, Peer
from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.headers import NameAddr
from vaxel.sip.message import Request, Response
from vaxel.sip.timers import Timer
from vaxel.sip.transaction import (
    ClientInviteTransaction,
    ClientTransaction,
    ServerInviteTransaction,
    ServerTransaction,
)
from vaxel.sip.uri import SipUri
from vaxel.switch.authn import Authenticator, Challenge
from vaxel.switch.callrecords import CallRecordWriter
from vaxel.switch.directory import Account, DirectoryCache
from vaxel.switch.registrar import Binding, Registrar

log = logging.getLogger(__name__)

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO"
# Headers that carry a body's meaning from one leg to the other.
BODY_HEADERS = ("Content-Type", "Content-Disposition", "Content-Encoding", "Content-Language")


class CallState(enum.Enum):
    PROCEEDING = "Proceeding"  # B legs ringing, no answer yet
    ANSWERED = "Answered"  # 2xx sent to A, waiting for A's ACK
    CONFIRMED = "Confirmed"  # both dialogs up
    ENDED = "Ended"


class Side(enum.Enum):
    A = "A"
    B = "B"


class Ev(enum.Enum):
    B_PROVISIONAL = "1xx from a B leg"
    B_ANSWERED = "2xx from a B leg"
    B_FAILED = "final 3xx-6xx (or timeout) from a B leg"
    A_CANCEL = "CANCEL from A"
    RING_TIMEOUT = "nobody answered in time"
    A_ACK = "ACK from A for the 2xx"
    A_NO_ACK = "A never ACKed the 2xx (Timer L)"
    BYE = "BYE from either side"
    REQUEST = "another in-dialog request from either side"


@dataclass(eq=False)
class Leg:
    """One B leg: our INVITE to one contact of the callee."""

    tx: ClientInviteTransaction
    request: Request
    peer: Peer
    binding: Binding
    account: Account
    provisional: bool = False
    cancel_wanted: bool = False
    cancel_sent: bool = False
    final: int | None = None
    dialog: Dialog | None = None
    ack: Request | None = None


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
    a_tx: ServerInviteTransaction
    a_request: Request
    a_peer: Peer
    a_tag: str
    caller: Account
    from_number: str
    to_number: str
    started_at: datetime
    state: CallState = CallState.PROCEEDING
    legs: list[Leg] = field(default_factory=list)
    winner: Leg | None = None
    a_dialog: Dialog | None = None
    ring_deadline: float = 0.0
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: CallOutcome | None = None
    busy: bool = False
    # (side that sent the INVITE, its CSeq) -> the other side's INVITE to ACK when it comes
    acks: dict[tuple[Side, int], tuple[Side, Request, Response | None]] = field(
        default_factory=dict
    )
    relaying: bool = False  # an INVITE is being relayed in the dialog (glare → 491)
    dialog_ids: list[DialogId] = field(default_factory=list)  # our index entries

    @property
    def call_id(self) -> str:
        return self.a_request.call_id

    def dialog(self, side: Side) -> Dialog | None:
        if side is Side.A:
            return self.a_dialog
        return None if self.winner is None else self.winner.dialog

    def peer(self, side: Side) -> Peer:
        if side is Side.A:
            return self.a_peer
        assert self.winner is not None
        return self.winner.peer


def _other(side: Side) -> Side:
    return Side.B if side is Side.A else Side.A


def _body_headers(message: Request | Response) -> list[tuple[str, str]]:
    if not message.body:
        return []
    return [(n, v) for n in BODY_HEADERS for v in message.headers.values(n)]


class B2bua:
    """All calls, their indexes, and the transition table."""

    def __init__(
        self,
        endpoint: Endpoint,
        directory: DirectoryCache,
        registrar: Registrar,
        auth: Authenticator,
        records: CallRecordWriter | None,
        *,
        wallclock: Callable[[], datetime],
        ring_timeout: float = 30.0,
    ) -> None:
        self.endpoint = endpoint
        self.directory = directory
        self.registrar = registrar
        self.auth = auth
        self.records = records
        self.wallclock = wallclock
        self.ring_timeout = ring_timeout
        self.calls: dict[ServerInviteTransaction, Call] = {}
        self.dialogs: dict[DialogId, tuple[Call, Side]] = {}
        self.client_txs: dict[ClientTransaction, Leg | Relay] = {}
        self.leg_call: dict[Leg, Call] = {}
        self._ring_timers: list[tuple[float, int, Call]] = []
        self._seq = 0
        self.active = 0  # calls not yet ended

    # -- entry points from the TU ------------------------------------------------------------

    def invite(self, tx: ServerInviteTransaction, request: Request, peer: Peer, now: float) -> None:
        """A new INVITE outside any dialog: authenticate, find the callee, fork."""
        a_tag = new_tag()
        verdict = self.auth.check(request, now, proxy=True)
        if isinstance(verdict, Challenge):
            self.endpoint.send_response(tx, verdict.response(request, a_tag), now)
            return
        if not request.contacts:
            self._reject(tx, request, 400, "Missing Contact header", a_tag, now)
            return
        uri = request.uri
        dialled = uri.user if isinstance(uri, SipUri) else None
        person = None if not dialled else self.directory.person_for(dialled)
        if person is None:
            self._reject(tx, request, 404, "Not Found", a_tag, now)
            return
        contacts = [
            (account, binding)
            for account in self.directory.devices_of(person)
            for binding in self.registrar.contacts_of(account.id, now)
        ]
        caller_number = self.directory.number_of(verdict.person_id) or verdict.username
        call = Call(
            a_tx=tx,
            a_request=request,
            a_peer=peer,
            a_tag=a_tag,
            caller=verdict,
            from_number=caller_number,
            to_number=self.directory.number_of(person) or str(dialled),
            started_at=self.wallclock(),
        )
        if not contacts:
            call.outcome = CallOutcome.FAILED
            self._reject(tx, request, 480, "Temporarily Unavailable", a_tag, now)
            self._record(call)
            return
        self.calls[tx] = call
        self.active += 1
        self._index(call, DialogId(call.call_id, a_tag, request.from_.tag or ""), Side.A)
        for account, binding in contacts:
            self._fork(call, account, binding, now)
        call.ring_deadline = now + self.ring_timeout
        self._seq += 1
        heapq.heappush(self._ring_timers, (call.ring_deadline, self._seq, call))

    def in_dialog(self, tx: ServerTransaction, request: Request, peer: Peer, now: float) -> bool:
        """A request with a To tag; False if it belongs to no call of ours (the TU sends 481)."""
        found = self.dialogs.get(DialogId.of_request(request))  # type: ignore[arg-type]
        if found is None:
            return False
        call, side = found
        event = Ev.BYE if request.method == "BYE" else Ev.REQUEST
        if not self._step(call, event, now, side=side, tx=tx, request=request):
            self.endpoint.send_response(tx, request.response(481), now)
        return True

    def ack(self, request: Request, now: float) -> None:
        """An ACK to a 2xx (from either side), to pass on end to end."""
        found = self.dialogs.get(DialogId.of_request(request))  # type: ignore[arg-type]
        if found is None:
            return
        call, side = found
        answered = side is Side.A and call.state is CallState.ANSWERED
        if answered and request.cseq.seq == call.a_request.cseq.seq:
            self._step(call, Ev.A_ACK, now, request=request)
            return
        self._relay_ack(call, side, request, now)

    def cancel(self, invite_tx: ServerInviteTransaction, now: float) -> None:
        call = self.calls.get(invite_tx)
        if call is not None:
            self._step(call, Ev.A_CANCEL, now)

    def response(self, tx: ClientTransaction, response: Response, now: float) -> None:
        owner = self.client_txs.get(tx)
        if owner is None or response.status == 100:
            return
        if isinstance(owner, Relay):
            self._relay_response(owner, response, now)
            return
        call = self.leg_call[owner]
        if response.status < 200:
            owner.provisional = True
            if owner.cancel_wanted:  # §9.1: the CANCEL waited for this provisional response
                if not owner.cancel_sent:
                    owner.cancel_sent = True
                    self.endpoint.cancel(owner.tx, now)
                return
            self._step(call, Ev.B_PROVISIONAL, now, leg=owner, response=response)
        elif response.status < 300:
            self._leg_answered(call, owner, response, now)
        else:
            owner.final = response.status
            self._step(call, Ev.B_FAILED, now, leg=owner, status=response.status)

    def timeout(self, tx: ClientTransaction | ServerTransaction, timer: Timer, now: float) -> None:
        """A transaction gave up (also used for transport failures)."""
        if isinstance(tx, ServerInviteTransaction):
            call = self.calls.get(tx)
            if call is not None and timer is Timer.L:
                self._step(call, Ev.A_NO_ACK, now)
            return
        owner = self.client_txs.get(tx)  # type: ignore[arg-type]
        if owner is None:
            return
        if isinstance(owner, Relay):
            self._relay_response(owner, owner.dst_request.response(408), now)
            return
        if owner.final is None:
            owner.final = 408
            self._step(self.leg_call[owner], Ev.B_FAILED, now, leg=owner, status=408)

    def ended(self, tx: ClientTransaction) -> None:
        """A client transaction is gone: forget it."""
        owner = self.client_txs.pop(tx, None)
        if isinstance(owner, Leg):
            self.leg_call.pop(owner, None)

    # -- timers ------------------------------------------------------------------------------

    def get_timer(self) -> float | None:
        heap = self._ring_timers
        while heap and heap[0][2].state is not CallState.PROCEEDING:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def handle_timer(self, now: float) -> None:
        heap = self._ring_timers
        while heap and heap[0][0] <= now:
            _, _, call = heapq.heappop(heap)
            self._step(call, Ev.RING_TIMEOUT, now)

    # -- the state machine ---------------------------------------------------------------------

    def _step(self, call: Call, event: Ev, now: float, **data: object) -> bool:
        handler = TRANSITIONS.get((call.state, event))
        if handler is None:
            log.debug("call %s: %s ignored in %s", call.call_id, event.value, call.state.value)
            return False
        call.state = handler(self, call, now, **data)
        if call.state is CallState.ENDED:
            self._finish(call)
        return True

    def _relay_provisional(self, call: Call, now: float, leg: Leg, response: Response) -> CallState:
        headers = [("Contact", self._contact(call.a_peer)), *_body_headers(response)]
        answer = call.a_request.response(
            response.status,
            response.reason,
            to_tag=call.a_tag,
            headers=headers,
            body=response.body,
        )
        self.endpoint.send_response(call.a_tx, answer, now)
        return CallState.PROCEEDING

    def _answer(self, call: Call, now: float, leg: Leg, response: Response) -> CallState:
        """The first 2xx: it wins; cancel the others; pass the 2xx to A."""
        call.winner = leg
        for other in call.legs:
            if other is not leg:
                self._cancel_leg(other, now)
        headers = [
            ("Contact", self._contact(call.a_peer)),
            ("Allow", ALLOW),
            *_body_headers(response),
        ]
        answer = call.a_request.response(
            200, "OK", to_tag=call.a_tag, headers=headers, body=response.body
        )
        try:
            call.a_dialog = Dialog.from_uas(
                call.a_request, answer, via=self._via_template(call.a_peer)
            )
        except (RemoteProtocolError, LocalProtocolError) as error:
            log.warning("call %s: cannot make the A dialog: %s", call.call_id, error)
        self.endpoint.send_response(call.a_tx, answer, now)
        call.answered_at = self.wallclock()
        call.outcome = CallOutcome.ANSWERED
        assert leg.dialog is not None
        self._index(call, leg.dialog.id, Side.B)
        call.acks[(Side.A, call.a_request.cseq.seq)] = (Side.B, leg.request, response)
        return CallState.ANSWERED

    def _leg_failed(self, call: Call, now: float, leg: Leg, status: int) -> CallState:
        if status in (486, 600):
            call.busy = True
        if any(other.final is None for other in call.legs):
            return CallState.PROCEEDING
        # Every leg said no: busy if any was busy, else unavailable.
        if call.busy:
            code, reason, outcome = 486, "Busy Here", CallOutcome.BUSY
        elif (
            status == 404
            or all(other.final == 404 for other in call.legs)
            or all(other.final in (408, 503) for other in call.legs)
        ):
            code, reason, outcome = 480, "Temporarily Unavailable", CallOutcome.FAILED
        elif status == 603:
            code, reason, outcome = 603, "Decline", CallOutcome.BUSY
        else:
            code, reason, outcome = 480, "Temporarily Unavailable", CallOutcome.FAILED
        call.outcome = outcome
        self._reject(call.a_tx, call.a_request, code, reason, call.a_tag, now)
        return CallState.ENDED

    def _abandon(self, call: Call, now: float, **data: object) -> CallState:
        """The caller gave up (CANCEL, or BYE in the early dialog): 487 to A, cancel the legs."""
        tx, request = data.get("tx"), data.get("request")
        if isinstance(tx, ServerTransaction) and isinstance(request, Request):
            self.endpoint.send_response(tx, request.response(200), now)
        for leg in call.legs:
            self._cancel_leg(leg, now)
        self._reject(call.a_tx, call.a_request, 487, "Request Terminated", call.a_tag, now)
        call.outcome = CallOutcome.ABANDONED
        return CallState.ENDED

    def _no_answer(self, call: Call, now: float) -> CallState:
        for leg in call.legs:
            self._cancel_leg(leg, now)
        self._reject(call.a_tx, call.a_request, 480, "Temporarily Unavailable", call.a_tag, now)
        call.outcome = CallOutcome.FAILED
        return CallState.ENDED

    def _confirm(self, call: Call, now: float, request: Request) -> CallState:
        self._relay_ack(call, Side.A, request, now)
        return CallState.CONFIRMED

    def _hang_up(
        self, call: Call, now: float, side: Side, tx: ServerTransaction, request: Request
    ) -> CallState:
        """BYE from one side: 200 to it, BYE to the other."""
        dialog = call.dialog(side)
        if dialog is not None:
            dialog.receive_request(request)
        self.endpoint.send_response(tx, request.response(200), now)
        self._send_bye(call, _other(side), now)
        return CallState.ENDED

    def _no_ack(self, call: Call, now: float) -> CallState:
        log.info("call %s: no ACK from the caller; hanging up", call.call_id)
        self._send_bye(call, Side.A, now)
        self._send_bye(call, Side.B, now)
        return CallState.ENDED

    def _relay_request(
        self, call: Call, now: float, side: Side, tx: ServerTransaction, request: Request
    ) -> CallState:
        """re-INVITE (hold, resume), UPDATE, INFO …: pass it to the other side."""
        src, dst = call.dialog(side), call.dialog(_other(side))
        if src is None or dst is None:
            self.endpoint.send_response(tx, request.response(481), now)
            return call.state
        try:
            src.receive_request(request)
        except RemoteProtocolError as error:
            self.endpoint.send_response(tx, request.response(error.status_hint, error.reason), now)
            return call.state
        if request.method == "INVITE":
            if call.relaying:
                self.endpoint.send_response(tx, request.response(491), now)
                return call.state
            call.relaying = True
        relayed = dst.create_request(request.method, _body_headers(request), request.body)
        client = self.endpoint.send_request(relayed, call.peer(_other(side)), now)
        if client is not None:
            self.client_txs[client] = Relay(call, side, tx, request, relayed)
        return call.state

    # -- helpers -------------------------------------------------------------------------------

    def _fork(self, call: Call, account: Account, binding: Binding, now: float) -> None:
        a = call.a_request
        peer = binding.target
        realm = self.directory.realm
        caller = NameAddr(
            a.from_.display, SipUri("sip", call.from_number, None, realm), {"tag": new_tag()}
        )
        callee = NameAddr(None, a.to.uri, {})
        hops = a.max_forwards
        headers = [
            ("Max-Forwards", str(70 if hops is None else max(hops - 1, 0))),
            ("From", str(caller)),
            ("To", str(callee)),
            ("Call-ID", secrets.token_hex(12) + "@vaxel"),
            ("CSeq", "1 INVITE"),
            ("Contact", self._contact(peer)),
            ("Allow", ALLOW),
            *_body_headers(a),
        ]
        request = Request.create("INVITE", binding.contact.uri, headers, a.body)
        tx = self.endpoint.send_request(request, peer, now)
        assert isinstance(tx, ClientInviteTransaction)
        leg = Leg(tx, request, peer, binding, account)
        call.legs.append(leg)
        self.client_txs[tx] = leg
        self.leg_call[leg] = call

    def _leg_answered(self, call: Call, leg: Leg, response: Response, now: float) -> None:
        if leg.dialog is None:
            try:
                leg.dialog = Dialog.from_uac(leg.request, response)
            except (RemoteProtocolError, LocalProtocolError) as error:
                log.warning("call %s: unusable 2xx from %s: %s", call.call_id, leg.peer, error)
                return
        elif leg.ack is not None:  # a retransmitted 2xx: our ACK was lost
            self.endpoint.send_stateless(leg.ack, leg.peer)
            return
        else:
            return  # a retransmission before A's ACK: A's ACK will answer it
        leg.final = response.status
        if call.state is CallState.PROCEEDING and call.winner is None:
            self._step(call, Ev.B_ANSWERED, now, leg=leg, response=response)
        else:
            # Too late (another leg won, or the caller gave up): ACK and hang up this one.
            ack = leg.dialog.create_ack(leg.request.cseq.seq)
            self.endpoint.send_request(ack, leg.peer, now)
            leg.ack = ack
            bye = leg.dialog.create_request("BYE")
            self.endpoint.send_request(bye, leg.peer, now)

    def _cancel_leg(self, leg: Leg, now: float) -> None:
        if leg.final is not None or leg.cancel_wanted:
            return
        leg.cancel_wanted = True
        if leg.provisional:  # §9.1: no CANCEL before a provisional response
            leg.cancel_sent = True
            self.endpoint.cancel(leg.tx, now)

    def _relay_ack(self, call: Call, side: Side, request: Request, now: float) -> None:
        pending = call.acks.pop((side, request.cseq.seq), None)
        if pending is None:
            return
        dst_side, dst_invite, _ = pending
        dst = call.dialog(dst_side)
        if dst is None:
            return
        ack = dst.create_ack(dst_invite.cseq.seq, _body_headers(request), request.body)
        self.endpoint.send_request(ack, call.peer(dst_side), now)
        if dst_side is Side.B and call.winner is not None and dst_invite is call.winner.request:
            call.winner.ack = ack

    def _relay_response(self, relay: Relay, response: Response, now: float) -> None:
        call, src = relay.call, relay.src
        dst_dialog = call.dialog(_other(src))
        if dst_dialog is not None:
            dst_dialog.receive_response(response)
        status = response.status
        headers = _body_headers(response)
        if relay.src_request.method == "INVITE" and status < 300:
            headers.insert(0, ("Contact", self._contact(call.peer(src))))
        if status >= 200 and relay.src_request.method == "INVITE":
            call.relaying = False
            if status < 300:
                call.acks[(src, relay.src_request.cseq.seq)] = (
                    _other(src),
                    relay.dst_request,
                    response,
                )
        # LocalProtocolError: the source already had its final answer (a retransmitted 2xx).
        with contextlib.suppress(LocalProtocolError):
            self.endpoint.send_response(
                relay.src_tx,
                relay.src_request.response(
                    status, response.reason, headers=headers, body=response.body
                ),
                now,
            )

    def _send_bye(self, call: Call, side: Side, now: float) -> None:
        dialog = call.dialog(side)
        if dialog is None or (side is Side.B and call.winner is None):
            return
        bye = dialog.create_request("BYE")
        self.endpoint.send_request(bye, call.peer(side), now)

    def _reject(
        self,
        tx: ServerInviteTransaction,
        request: Request,
        status: int,
        reason: str,
        tag: str,
        now: float,
    ) -> None:
        with contextlib.suppress(LocalProtocolError):  # already answered
            self.endpoint.send_response(tx, request.response(status, reason, to_tag=tag), now)

    def _contact(self, peer: Peer) -> str:
        transport = "" if peer.transport == "udp" else f";transport={peer.transport}"
        return f"<sip:vaxel@{self.endpoint.local_uri_host(peer)}{transport}>"

    def _via_template(self, peer: Peer) -> str:
        return f"SIP/2.0/{peer.transport.upper()} {self.endpoint.local_uri_host(peer)};rport"

    def _finish(self, call: Call) -> None:
        """The call is over: forget its indexes and write its record."""
        call.ended_at = self.wallclock()
        if self.calls.pop(call.a_tx, None) is not None:
            self.active -= 1
        for key in call.dialog_ids:
            self.dialogs.pop(key, None)
        self._record(call)

    def _index(self, call: Call, key: DialogId, side: Side) -> None:
        self.dialogs[key] = (call, side)
        call.dialog_ids.append(key)

    def _record(self, call: Call) -> None:
        if self.records is None:
            return
        outcome = call.outcome or CallOutcome.FAILED
        winner = call.winner
        self.records.record(
            CallRecord(
                from_number=call.from_number,
                to_number=call.to_number,
                started_at=call.started_at,
                outcome=outcome,
                answered_at=call.answered_at,
                ended_at=call.ended_at or self.wallclock(),
                answered_by="" if winner is None else winner.account.username,
            ),
            call.call_id,
        )


Handler = Callable[..., CallState]

TRANSITIONS: dict[tuple[CallState, Ev], Handler] = {
    (CallState.PROCEEDING, Ev.B_PROVISIONAL): B2bua._relay_provisional,
    (CallState.PROCEEDING, Ev.B_ANSWERED): B2bua._answer,
    (CallState.PROCEEDING, Ev.B_FAILED): B2bua._leg_failed,
    (CallState.PROCEEDING, Ev.A_CANCEL): B2bua._abandon,
    (CallState.PROCEEDING, Ev.BYE): B2bua._abandon,
    (CallState.PROCEEDING, Ev.RING_TIMEOUT): B2bua._no_answer,
    (CallState.ANSWERED, Ev.A_ACK): B2bua._confirm,
    (CallState.ANSWERED, Ev.A_NO_ACK): B2bua._no_ack,
    (CallState.ANSWERED, Ev.BYE): B2bua._hang_up,
    (CallState.CONFIRMED, Ev.BYE): B2bua._hang_up,
    (CallState.CONFIRMED, Ev.REQUEST): B2bua._relay_request,
}
