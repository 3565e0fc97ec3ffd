"""Calls: a back-to-back user agent with one transition table.

A call has an A leg (the caller's INVITE, answered through its server transaction) and B legs:
our INVITEs to the registered contacts of whoever is rung, all at once (a `Fork`).

The bare SIP server (no apps) rings the dialled person's phones: the first 2xx wins and the
other legs are CANCELed; the 2xx goes to A with the callee's SDP unchanged, and A's ACK goes on
to B (end to end). After that, BYE from either side ends both dialogs, and re-INVITEs and other
in-dialog requests are relayed both ways.

With apps (the switchboard: routing, announcements, voicemail, the queue, feature codes) the
B2BUA only signals, and an app decides through `CallSignalling` (signalling.py):

* ring while the caller is not answered: B legs carry the caller's SDP, as above;
* answer: 200 OK to the caller with our own SDP (the app's media, `media_leg.MediaLeg`);
* ring once the caller is answered by us ("anchored"): B legs carry our SDP, their 2xx is
  ACKed here, and the media is relayed between our two sessions;
* stop ringing, hang up, drop the connected phone (a transfer), hold it while another is
  rung and connected to it (a consultation, `Side.H`), and originate a call to a phone that
  then becomes the A side (click to call).

Requests inside the dialogs (re-INVITE, UPDATE, INFO, the ACK of a relayed 2xx) are relayed
or answered by indialog.py; the call's data and the states and events are in legs.py.

The call's life is the table `TRANSITIONS`: (state, event) → handler; the handler does the
SIP work and returns the next state. Everything not in the table is ignored for that state.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
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
from vaxel.switch.call_context import RingOutcome
from vaxel.switch.callrecords import CallRecordWriter
from vaxel.switch.directory import Account, DirectoryCache
from vaxel.switch.indialog import Addresses, DialogRelay
from vaxel.switch.legs import (
    ALLOW,
    BODY_HEADERS,
    SDP,
    Call,
    CallApps,
    CallHooks,
    CallState,
    Ev,
    Fork,
    Leg,
    Relay,
    RingDone,
    Side,
    body_headers,
    other_side,
)
from vaxel.switch.registrar import Binding, Registrar

__all__ = [
    "ALLOW",
    "BODY_HEADERS",
    "TRANSITIONS",
    "B2bua",
    "Call",
    "CallApps",
    "CallHooks",
    "CallState",
    "Ev",
    "Fork",
    "Leg",
    "Side",
]

log = logging.getLogger(__name__)

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
        apps: CallApps | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.directory = directory
        self.registrar = registrar
        self.auth = auth
        self.records = records
        self.wallclock = wallclock
        self.ring_timeout = ring_timeout
        self.apps = apps
        self.calls: dict[ServerInviteTransaction, Call] = {}
        self.originated: set[Call] = set()
        self.by_call_id: dict[str, Call] = {}
        self.dialogs: dict[DialogId, tuple[Call, Side]] = {}
        self.client_txs: dict[ClientTransaction, Leg | Relay] = {}
        self.talking: Counter[int] = Counter()  # person id -> calls they are talking in
        self.addresses = Addresses(endpoint)
        self.indialog = DialogRelay(endpoint, self.addresses, self.client_txs)
        self._ring_timers: list[tuple[float, int, Fork]] = []
        self._seq = 0
        self.active = 0  # calls not yet ended

    # -- entry points from the TU ------------------------------------------------------------

    def invite(self, tx: ServerInviteTransaction, request: Request, peer: Peer, now: float) -> None:
        """A new INVITE outside any dialog: authenticate, then an app or the callee's phones."""
        # The tag the endpoint also gives a CANCEL's 200 when nothing else was sent (§9.2).
        a_tag = request.default_tag()
        verdict = self.auth.check(request, now, proxy=True)
        if isinstance(verdict, Challenge):
            self.endpoint.send_response(tx, verdict.response(request, a_tag), now)
            return
        if not request.contacts:
            self._reject(tx, request, 400, "Missing Contact header", a_tag, now)
            return
        uri = request.uri
        dialled = uri.user if isinstance(uri, SipUri) else None
        caller_number = self.directory.number_of(verdict.person_id) or verdict.username
        if self.apps is not None:
            call = Call(
                a_tx=tx,
                a_request=request,
                a_peer=peer,
                a_tag=a_tag,
                caller=verdict,
                from_number=caller_number,
                to_number=dialled or "",
                dialled=dialled or "",
                started_at=self.wallclock(),
                state=CallState.ROUTING,
                app_running=True,
            )
            self._add(call)
            self._index(call, DialogId(call.call_id, a_tag, request.from_.tag or ""), Side.A)
            self.apps.start(call)
            return
        person = None if not dialled else self.directory.person_for(dialled)
        if person is None:
            self._reject(tx, request, 404, "Not Found", a_tag, now)
            return
        contacts = [
            (account, binding)
            for account in self.directory.devices_of(person)
            for binding in self.registrar.contacts_of(account.id, now)
        ]
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
        self._add(call)
        self._index(call, DialogId(call.call_id, a_tag, request.from_.tag or ""), Side.A)
        self._start_fork(call, contacts, self.ring_timeout, now, offer=None, on_done=None)

    def in_dialog(self, tx: ServerTransaction, request: Request, peer: Peer, now: float) -> bool:
        """A request with a To tag; False if it belongs to no call of ours (the TU sends 481)."""
        found = self.dialogs.get(DialogId.of_request(request))  # type: ignore[arg-type]
        if found is None:
            return False
        call, side = found
        event = Ev.BYE if request.method == "BYE" else Ev.REQUEST
        if event is Ev.BYE and side is Side.H:
            event = Ev.HELD_BYE
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
        a_request = call.a_request
        if answered and a_request is not None and request.cseq.seq == a_request.cseq.seq:
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
            self.indialog.relay_response(owner, response, now)
            return
        call = owner.fork.call
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
            self.indialog.relay_response(owner, owner.dst_request.response(408), now)
            return
        if owner.final is None:
            owner.final = 408
            self._step(owner.fork.call, Ev.B_FAILED, now, leg=owner, status=408)

    def ended(self, tx: ClientTransaction) -> None:
        """A client transaction is gone: forget it."""
        self.client_txs.pop(tx, None)

    # -- entry points for the apps (signalling.py) ---------------------------------------------

    def ring(
        self,
        call: Call,
        contacts: Sequence[tuple[Account, Binding]],
        timeout_s: float,
        now: float,
        *,
        on_done: RingDone,
        offer: bytes | None = None,
    ) -> Fork | None:
        """Ring these contacts: with the caller's SDP while the caller is not answered, else
        (`offer` given) with ours. `on_done` is told once how it ended, unless stopped."""
        before = call.fork
        self._step(
            call, Ev.APP_RING, now, contacts=contacts, timeout_s=timeout_s, offer=offer,
            on_done=on_done,
        )  # fmt: skip
        fork = call.fork
        return fork if fork is not None and fork is not before else None

    def answer(self, call: Call, body: bytes, now: float) -> bool:
        """200 OK to the caller with our SDP; False if the call can no longer be answered."""
        return self._step(call, Ev.APP_ANSWER, now, body=body)

    def stop_ringing(self, fork: Fork, now: float) -> None:
        """CANCEL the legs of a fork nobody waits for any more (no `on_done`)."""
        self._step(fork.call, Ev.APP_STOP, now, fork=fork)

    def hang_up(
        self, call: Call, now: float, status: int = 480, warning: tuple[int, str] | None = None
    ) -> None:
        """BYE to an answered caller (and its phone), or `status` to one not answered yet,
        with a Warning header (RFC 3261 §20.43: code, text) when one is given."""
        self._step(call, Ev.APP_HANGUP, now, status=status, warning=warning)

    def drop_connected(self, call: Call, now: float) -> Leg | None:
        """BYE to the phone the caller is connected to, keeping the caller (a transfer)."""
        winner = call.winner
        self._step(call, Ev.APP_DROP, now)
        return winner

    def hold_connected(self, call: Call, now: float) -> Leg | None:
        """The connected phone waits while its owner consults another (no SIP: our media
        just stops relaying); None if nothing is connected."""
        winner = call.winner
        self._step(call, Ev.APP_HOLD, now)
        return winner if call.held is winner else None

    def resume_held(self, call: Call, now: float) -> None:
        """The consultation is over: BYE to the one consulted, the phone on hold is back."""
        self._step(call, Ev.APP_RESUME, now)

    def drop_held(self, call: Call, now: float) -> None:
        """The consultation is completed: BYE to the phone on hold; A keeps the one consulted."""
        self._step(call, Ev.APP_DROP_HELD, now)

    def originate(
        self,
        contacts: Sequence[tuple[Account, Binding]],
        timeout_s: float,
        now: float,
        *,
        offer: bytes,
        from_number: str,
        to_number: str,
        display: str,
        on_done: RingDone,
    ) -> Call | None:
        """Ring a phone with our SDP; the one that answers becomes side A of a new call.

        The phone is shown `display` and `to_number` (whom it will be connected to); the
        record says `from_number` (the phone's own) called `to_number`. Set `hooks` on the
        call before returning to the event loop."""
        if not contacts:
            return None
        account = contacts[0][0]
        call = Call(
            a_tx=None,
            a_request=None,
            a_peer=contacts[0][1].target,
            a_tag=new_tag(),
            caller=account,
            from_number=from_number,
            to_number=to_number,
            dialled=to_number,
            started_at=self.wallclock(),
            state=CallState.ORIGINATING,
            anchored=True,
            app_running=True,
            call_id_=secrets.token_hex(12) + "@vaxel",
        )
        self._add(call)
        fork = Fork(call, True, now + timeout_s, on_done)
        call.fork = fork
        for owner, binding in contacts:
            self._leg(call, fork, owner, binding, now, offer, display=display, user=to_number)
        self._arm(fork)
        return call

    def app_finished(
        self,
        call: Call,
        *,
        outcome: CallOutcome | None,
        informed: bool = False,
        answered_by: str = "",
    ) -> None:
        """The app is done with the call; its record is written once the call has ended."""
        call.app_running = False
        if outcome is not None:
            call.outcome = outcome
        call.informed = call.informed or informed
        if answered_by:
            call.answered_by = answered_by
        if call.state is CallState.ENDED:
            self._record(call)

    def busy(self, person_id: int) -> bool:
        """Whether the person is talking in a call now."""
        return self.talking[person_id] > 0

    # -- timers ------------------------------------------------------------------------------

    def get_timer(self) -> float | None:
        heap = self._ring_timers
        while heap and heap[0][2].over:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def handle_timer(self, now: float) -> None:
        heap = self._ring_timers
        while heap and heap[0][0] <= now:
            _, _, fork = heapq.heappop(heap)
            if not fork.over:
                self._step(fork.call, Ev.RING_TIMEOUT, now, fork=fork)

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

    # Ringing while the caller is not answered (the caller's SDP on the legs).

    def _relay_provisional(self, call: Call, now: float, leg: Leg, response: Response) -> CallState:
        if leg.fork is not call.fork or call.a_tx is None or call.a_request is None:
            return call.state
        headers = [("Contact", self._contact(call.a_peer)), *body_headers(response)]
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
        assert call.a_tx is not None and call.a_request is not None
        fork = leg.fork
        fork.over = True
        call.winner = leg
        for other in fork.legs:
            if other is not leg:
                self._cancel_leg(other, now)
        headers = [
            ("Contact", self._contact(call.a_peer)),
            ("Allow", ALLOW),
            *body_headers(response),
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
        call.answered_at = call.connected_at = self.wallclock()
        call.outcome = CallOutcome.ANSWERED
        call.answered_by = leg.account.username
        assert leg.dialog is not None
        self._index(call, leg.dialog.id, Side.B)
        call.acks[(Side.A, call.a_request.cseq.seq)] = (Side.B, leg.request, response)
        self._talking(call, call.caller_person_id, leg.account.person_id)
        self._done(fork, RingOutcome.ANSWERED, leg.account.username)
        if self.apps is not None:
            self.apps.connected(call, leg)
        return CallState.ANSWERED

    def _leg_failed(self, call: Call, now: float, leg: Leg, status: int) -> CallState:
        fork = leg.fork
        if fork is not call.fork or fork.over:
            return call.state
        if status in (486, 600):
            fork.busy = True
        if any(other.final is None for other in fork.legs):
            return call.state
        fork.over = True
        if call.state is CallState.PROCEEDING and self.apps is None:
            return self._reject_all_failed(call, fork, status, now)
        self._done(fork, RingOutcome.BUSY if fork.busy else RingOutcome.FAILED, "")
        if call.state is CallState.ORIGINATING:
            return CallState.ENDED
        return CallState.ROUTING if call.state is CallState.PROCEEDING else call.state

    def _reject_all_failed(self, call: Call, fork: Fork, status: int, now: float) -> CallState:
        """The bare server: every leg said no, so say no to A (busy if any was busy)."""
        assert call.a_tx is not None and call.a_request is not None
        legs = fork.legs
        if fork.busy:
            code, reason, outcome = 486, "Busy Here", CallOutcome.BUSY
        elif (
            status == 404
            or all(other.final == 404 for other in legs)
            or all(other.final in (408, 503) for other in legs)
        ):
            code, reason, outcome = 480, "Temporarily Unavailable", CallOutcome.FAILED
        elif status == 603:
            code, reason, outcome = 603, "Decline", CallOutcome.BUSY
        else:
            code, reason, outcome = 480, "Temporarily Unavailable", CallOutcome.FAILED
        call.outcome = outcome
        self._reject(call.a_tx, call.a_request, code, reason, call.a_tag, now)
        return CallState.ENDED

    def _no_answer(self, call: Call, now: float, fork: Fork) -> CallState:
        if fork is not call.fork or fork.over:
            return call.state
        fork.over = True
        for leg in fork.legs:
            self._cancel_leg(leg, now)
        if call.state is CallState.PROCEEDING and self.apps is None:
            assert call.a_tx is not None and call.a_request is not None
            self._reject(call.a_tx, call.a_request, 480, "Temporarily Unavailable", call.a_tag, now)
            call.outcome = CallOutcome.FAILED
            return CallState.ENDED
        self._done(fork, RingOutcome.NO_ANSWER, "")
        if call.state is CallState.ORIGINATING:
            return CallState.ENDED
        return CallState.ROUTING if call.state is CallState.PROCEEDING else call.state

    def _abandon(self, call: Call, now: float, **data: object) -> CallState:
        """The caller gave up (CANCEL, or BYE in the early dialog): 487 to A, cancel the legs."""
        tx, request = data.get("tx"), data.get("request")
        if isinstance(tx, ServerTransaction) and isinstance(request, Request):
            self.endpoint.send_response(tx, request.response(200), now)
        self._stop_fork(call, now, RingOutcome.CALLER_HUNG_UP)
        if call.a_tx is not None and call.a_request is not None:
            self._reject(call.a_tx, call.a_request, 487, "Request Terminated", call.a_tag, now)
        call.outcome = CallOutcome.ABANDONED
        return CallState.ENDED

    # The app's own moves.

    def _app_ring(
        self,
        call: Call,
        now: float,
        contacts: Sequence[tuple[Account, Binding]],
        timeout_s: float,
        offer: bytes | None,
        on_done: RingDone,
    ) -> CallState:
        early = call.state is CallState.ROUTING
        if not early and offer is None:
            raise ValueError("a caller we answered can only be connected with our own SDP")
        self._stop_fork(call, now, RingOutcome.NO_ANSWER)
        if not contacts:
            on_done(RingOutcome.FAILED, "")
            return call.state
        self._start_fork(call, contacts, timeout_s, now, offer=None if early else offer,
                         on_done=on_done)  # fmt: skip
        return CallState.PROCEEDING if early else call.state

    def _app_answer(self, call: Call, now: float, body: bytes) -> CallState:
        """Answer the caller with our own media."""
        assert call.a_tx is not None and call.a_request is not None
        headers = [("Contact", self._contact(call.a_peer)), ("Allow", ALLOW), SDP]
        answer = call.a_request.response(200, "OK", to_tag=call.a_tag, headers=headers, body=body)
        try:
            call.a_dialog = Dialog.from_uas(
                call.a_request, answer, via=self._via_template(call.a_peer)
            )
        except (RemoteProtocolError, LocalProtocolError) as error:
            log.warning("call %s: cannot make the A dialog: %s", call.call_id, error)
        self.endpoint.send_response(call.a_tx, answer, now)
        call.anchored = True
        call.answered_at = call.answered_at or self.wallclock()
        self._talking(call, call.caller_person_id)
        return CallState.ANSWERED

    def _app_stop(self, call: Call, now: float, fork: Fork) -> CallState:
        if fork is not call.fork or fork.over:
            return call.state
        fork.on_done = None  # nobody waits for the outcome
        self._stop_fork(call, now, RingOutcome.NO_ANSWER)
        if call.state is CallState.ORIGINATING:
            return CallState.ENDED
        return CallState.ROUTING if call.state is CallState.PROCEEDING else call.state

    def _app_stop_all(
        self, call: Call, now: float, status: int, warning: tuple[int, str] | None = None
    ) -> CallState:
        if call.fork is not None:
            call.fork.on_done = None
        self._stop_fork(call, now, RingOutcome.CALLER_HUNG_UP)
        return CallState.ENDED

    def _app_reject(
        self, call: Call, now: float, status: int, warning: tuple[int, str] | None = None
    ) -> CallState:
        self._stop_fork(call, now, RingOutcome.CALLER_HUNG_UP)
        if call.a_tx is not None and call.a_request is not None:
            reason = "Temporarily Unavailable" if status == 480 else None
            headers: list[tuple[str, str]] = []
            if warning is not None:
                code, text = warning
                agent = self.addresses.host(call.a_peer)
                quoted = text.replace("\\", "").replace('"', "'")  # a quoted-string, always
                headers.append(("Warning", f'{code} {agent} "{quoted}"'))
            self._reject(call.a_tx, call.a_request, status, reason, call.a_tag, now, headers)
        return CallState.ENDED

    def _app_bye(
        self, call: Call, now: float, status: int, warning: tuple[int, str] | None = None
    ) -> CallState:
        self._stop_fork(call, now, RingOutcome.CALLER_HUNG_UP)
        for side in Side:
            self._send_bye(call, side, now)
        return CallState.ENDED

    def _app_drop(self, call: Call, now: float) -> CallState:
        winner = call.winner
        if winner is None or winner.dialog is None:
            return call.state
        self._send_bye(call, Side.B, now)
        call.winner = None
        self._unindex(call, winner.dialog.id)
        self._untalking(call, winner.account.person_id)
        return call.state

    def _app_hold(self, call: Call, now: float) -> CallState:
        winner = call.winner
        if winner is None or winner.dialog is None or call.held is not None:
            return call.state
        call.held, call.winner = winner, None
        self._index(call, winner.dialog.id, Side.H)
        return call.state

    def _app_resume(self, call: Call, now: float) -> CallState:
        held = call.held
        if held is None or held.dialog is None:
            return call.state
        self._stop_fork(call, now, RingOutcome.NO_ANSWER)
        self._app_drop(call, now)
        call.winner, call.held = held, None
        self._index(call, held.dialog.id, Side.B)
        return call.state

    def _app_drop_held(self, call: Call, now: float) -> CallState:
        held = call.held
        if held is None or held.dialog is None:
            return call.state
        self._send_bye(call, Side.H, now)
        call.held = None
        self._unindex(call, held.dialog.id)
        self._untalking(call, held.account.person_id)
        return call.state

    def _held_hung_up(
        self, call: Call, now: float, side: Side, tx: ServerTransaction, request: Request
    ) -> CallState:
        held = call.held
        self.endpoint.send_response(tx, request.response(200), now)
        if held is not None and held.dialog is not None:
            held.dialog.receive_request(request)
            call.held = None
            self._unindex(call, held.dialog.id)
            self._untalking(call, held.account.person_id)
            if call.hooks is not None:
                call.hooks.held_gone()
        return call.state

    # Ringing once the caller is answered by us, or before side A exists (our SDP on the legs).

    def _anchored_answer(self, call: Call, now: float, leg: Leg, response: Response) -> CallState:
        fork = leg.fork
        fork.over = True
        for other in fork.legs:
            if other is not leg:
                self._cancel_leg(other, now)
        assert leg.dialog is not None
        ack = leg.dialog.create_ack(leg.request.cseq.seq)
        self.endpoint.send_request(ack, leg.peer, now)
        leg.ack = ack
        originating = call.state is CallState.ORIGINATING
        try:
            if call.hooks is not None:
                call.hooks.b_answered(leg, response)
        except Exception as error:  # an answer we cannot use (no common codec …)
            log.warning("call %s: unusable answer from %s: %s", call.call_id, leg.peer, error)
            self.endpoint.send_request(leg.dialog.create_request("BYE"), leg.peer, now)
            self._done(fork, RingOutcome.FAILED, "")
            return CallState.ENDED if originating else call.state
        if originating:  # the phone we called is side A from now on
            call.a_dialog, call.a_peer = leg.dialog, leg.peer
            self._index(call, leg.dialog.id, Side.A)
            call.answered_at = self.wallclock()
            self._talking(call, leg.account.person_id)
            self._done(fork, RingOutcome.ANSWERED, leg.account.username)
            return CallState.CONFIRMED
        call.winner = leg
        self._index(call, leg.dialog.id, Side.B)
        call.answered_by = leg.account.username
        call.connected_at = call.connected_at or self.wallclock()
        self._talking(call, leg.account.person_id)
        self._done(fork, RingOutcome.ANSWERED, leg.account.username)
        if self.apps is not None:
            self.apps.connected(call, leg)
        return call.state

    def _ignore(self, call: Call, now: float, **data: object) -> CallState:
        return call.state

    # The caller's dialog.

    def _confirm(self, call: Call, now: float, request: Request) -> CallState:
        self._relay_ack(call, Side.A, request, now)
        return CallState.CONFIRMED

    def _hang_up(
        self, call: Call, now: float, side: Side, tx: ServerTransaction, request: Request
    ) -> CallState:
        """BYE from one side: 200 to it, BYE to the other (and to a phone on hold)."""
        dialog = call.dialog(side)
        if dialog is not None:
            dialog.receive_request(request)
        self.endpoint.send_response(tx, request.response(200), now)
        self._stop_fork(call, now, RingOutcome.CALLER_HUNG_UP)
        self._send_bye(call, other_side(side), now)
        self._send_bye(call, Side.H, now)
        return CallState.ENDED

    def _no_ack(self, call: Call, now: float) -> CallState:
        log.info("call %s: no ACK from the caller; hanging up", call.call_id)
        self._stop_fork(call, now, RingOutcome.CALLER_HUNG_UP)
        self._send_bye(call, Side.A, now)
        self._send_bye(call, Side.B, now)
        return CallState.ENDED

    def _relay_request(
        self, call: Call, now: float, side: Side, tx: ServerTransaction, request: Request
    ) -> CallState:
        """re-INVITE (hold, resume), UPDATE, INFO …: relayed, or answered here when the
        media on that leg is ours."""
        if call.anchored:
            self.indialog.answer(call, side, tx, request, now)
        else:
            self.indialog.relay(call, side, tx, request, now)
        return call.state

    def _relay_ack(self, call: Call, side: Side, request: Request, now: float) -> None:
        self.indialog.relay_ack(call, side, request, now)

    def _contact(self, peer: Peer) -> str:
        return self.addresses.contact(peer)

    def _via_template(self, peer: Peer) -> str:
        return self.addresses.via(peer)

    # -- helpers -------------------------------------------------------------------------------

    def _add(self, call: Call) -> None:
        if call.a_tx is not None:
            self.calls[call.a_tx] = call
        else:
            self.originated.add(call)
        self.by_call_id[call.call_id] = call
        self.active += 1

    def _start_fork(
        self,
        call: Call,
        contacts: Sequence[tuple[Account, Binding]],
        timeout_s: float,
        now: float,
        *,
        offer: bytes | None,
        on_done: RingDone | None,
    ) -> Fork:
        fork = Fork(call, offer is not None, now + timeout_s, on_done)
        if call.fork is not None:  # over: late answers to its legs need no list of them
            call.fork.legs.clear()
        call.fork = fork
        for account, binding in contacts:
            self._leg(call, fork, account, binding, now, offer)
        self._arm(fork)
        return fork

    def _arm(self, fork: Fork) -> None:
        self._seq += 1
        heapq.heappush(self._ring_timers, (fork.deadline, self._seq, fork))

    def _leg(
        self,
        call: Call,
        fork: Fork,
        account: Account,
        binding: Binding,
        now: float,
        offer: bytes | None,
        display: str | None = None,
        user: str | None = None,
    ) -> None:
        a = call.a_request
        peer = binding.target
        realm = self.directory.realm
        shown = display if display is not None else (a.from_.display if a is not None else None)
        number = user or call.from_number
        caller = NameAddr(shown, SipUri("sip", number, None, realm), {"tag": new_tag()})
        if offer is None and a is not None:
            callee = NameAddr(None, a.to.uri, {})
            body, extra = a.body, body_headers(a)
        else:
            callee = NameAddr(None, SipUri("sip", account.username, None, realm), {})
            body, extra = offer or b"", [SDP] if offer else []
        hops = None if a is None else a.max_forwards
        headers = [
            ("Max-Forwards", str(70 if hops is None else max(hops - 1, 0))),
            ("From", str(caller)),
            ("To", str(callee)),
            ("Call-ID", secrets.token_hex(12) + "@vaxel"),
            ("CSeq", "1 INVITE"),
            ("Contact", self._contact(peer)),
            ("Allow", ALLOW),
            *extra,
        ]
        request = Request.create("INVITE", binding.contact.uri, headers, body)
        tx = self.endpoint.send_request(request, peer, now)
        assert isinstance(tx, ClientInviteTransaction)
        leg = Leg(tx, request, peer, binding, account, fork)
        fork.legs.append(leg)
        self.client_txs[tx] = leg

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
        fork = leg.fork
        live = fork is call.fork and not fork.over and call.state is not CallState.ENDED
        wanted = live and (call.winner is None or fork.anchored)
        if wanted and self._step(call, Ev.B_ANSWERED, now, leg=leg, response=response):
            return
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

    def _stop_fork(self, call: Call, now: float, outcome: RingOutcome) -> None:
        """Cancel what still rings; tell whoever waits for it."""
        fork = call.fork
        if fork is None or fork.over:
            return
        fork.over = True
        for leg in fork.legs:
            self._cancel_leg(leg, now)
        self._done(fork, outcome, "")

    @staticmethod
    def _done(fork: Fork, outcome: RingOutcome, by: str) -> None:
        done, fork.on_done = fork.on_done, None
        if done is not None:
            try:
                done(outcome, by)
            except Exception:
                log.exception("call %s: ringing's listener failed", fork.call.call_id)

    def _send_bye(self, call: Call, side: Side, now: float) -> None:
        dialog = call.dialog(side)
        if dialog is None or (side is not Side.A and call.leg(side) is None):
            return
        with contextlib.suppress(LocalProtocolError):
            bye = dialog.create_request("BYE")
            self.endpoint.send_request(bye, call.peer(side), now)

    def _reject(
        self,
        tx: ServerInviteTransaction,
        request: Request,
        status: int,
        reason: str | None,
        tag: str,
        now: float,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        with contextlib.suppress(LocalProtocolError):  # already answered
            response = request.response(status, reason, to_tag=tag, headers=headers)
            self.endpoint.send_response(tx, response, now)

    def _talking(self, call: Call, *people: int | None) -> None:
        for person_id in people:
            if person_id is not None:
                call.talking.append(person_id)
                self.talking[person_id] += 1

    def _untalking(self, call: Call, person_id: int) -> None:
        if person_id in call.talking:
            call.talking.remove(person_id)
            self.talking[person_id] -= 1
            if self.talking[person_id] <= 0:
                del self.talking[person_id]

    def _finish(self, call: Call) -> None:
        """The call is over: forget its indexes, tell the app, and write its record."""
        call.ended_at = self.wallclock()
        removed = (
            self.calls.pop(call.a_tx, None) if call.a_tx is not None else None
        ) or (call if call in self.originated else None)
        self.originated.discard(call)
        if removed is not None:
            self.active -= 1
        if self.by_call_id.get(call.call_id) is call:
            del self.by_call_id[call.call_id]
        for key in call.dialog_ids:
            self.dialogs.pop(key, None)
        for person_id in list(call.talking):
            self._untalking(call, person_id)
        if call.hooks is not None:
            try:
                call.hooks.ended()
            except Exception:
                log.exception("call %s: the app's end of call failed", call.call_id)
        self._record(call)
        # Break the call's reference cycles (call ⇄ fork ⇄ legs, call ⇄ app): the server
        # collects garbage in cycles only now and then, so a call must not leave any.
        if call.fork is not None:
            call.fork.legs.clear()
        call.fork = call.winner = call.held = None
        call.hooks = None

    def _index(self, call: Call, key: DialogId, side: Side) -> None:
        self.dialogs[key] = (call, side)
        call.dialog_ids.append(key)

    def _unindex(self, call: Call, key: DialogId) -> None:
        self.dialogs.pop(key, None)
        with contextlib.suppress(ValueError):
            call.dialog_ids.remove(key)

    def _record(self, call: Call) -> None:
        if self.records is None or call.recorded or call.app_running:
            return
        call.recorded = True
        outcome = call.outcome or CallOutcome.FAILED
        winner = call.winner
        answered_by = call.answered_by or ("" if winner is None else winner.account.username)
        self.records.record(
            CallRecord(
                from_number=call.from_number,
                to_number=call.to_number,
                started_at=call.started_at,
                outcome=outcome,
                unit_id=call.unit_id,
                answered_at=call.connected_at if outcome is CallOutcome.ANSWERED else None,
                ended_at=call.ended_at or self.wallclock(),
                answered_by=answered_by,
                informed=call.informed,
            ),
            call.call_id,
        )


Handler = Callable[..., CallState]

_S = CallState
TRANSITIONS: dict[tuple[CallState, Ev], Handler] = {
    # The caller waits, nothing rings: an app decides.
    (_S.ROUTING, Ev.APP_RING): B2bua._app_ring,
    (_S.ROUTING, Ev.APP_ANSWER): B2bua._app_answer,
    (_S.ROUTING, Ev.APP_HANGUP): B2bua._app_reject,
    (_S.ROUTING, Ev.A_CANCEL): B2bua._abandon,
    (_S.ROUTING, Ev.BYE): B2bua._abandon,
    # Phones ring with the caller's SDP.
    (_S.PROCEEDING, Ev.B_PROVISIONAL): B2bua._relay_provisional,
    (_S.PROCEEDING, Ev.B_ANSWERED): B2bua._answer,
    (_S.PROCEEDING, Ev.B_FAILED): B2bua._leg_failed,
    (_S.PROCEEDING, Ev.RING_TIMEOUT): B2bua._no_answer,
    (_S.PROCEEDING, Ev.A_CANCEL): B2bua._abandon,
    (_S.PROCEEDING, Ev.BYE): B2bua._abandon,
    (_S.PROCEEDING, Ev.APP_STOP): B2bua._app_stop,
    (_S.PROCEEDING, Ev.APP_HANGUP): B2bua._app_reject,
    # We call a phone that becomes side A (click to call).
    (_S.ORIGINATING, Ev.B_PROVISIONAL): B2bua._ignore,
    (_S.ORIGINATING, Ev.B_ANSWERED): B2bua._anchored_answer,
    (_S.ORIGINATING, Ev.B_FAILED): B2bua._leg_failed,
    (_S.ORIGINATING, Ev.RING_TIMEOUT): B2bua._no_answer,
    (_S.ORIGINATING, Ev.APP_STOP): B2bua._app_stop,
    (_S.ORIGINATING, Ev.APP_HANGUP): B2bua._app_stop_all,
    # The caller is answered (by a phone, or by us), waiting for the ACK.
    (_S.ANSWERED, Ev.A_ACK): B2bua._confirm,
    (_S.ANSWERED, Ev.A_NO_ACK): B2bua._no_ack,
    (_S.ANSWERED, Ev.BYE): B2bua._hang_up,
    # Both up.
    (_S.CONFIRMED, Ev.BYE): B2bua._hang_up,
    (_S.CONFIRMED, Ev.REQUEST): B2bua._relay_request,
}
# Once the caller is answered, an app may ring phones with our SDP, stop, drop, hang up.
for _state in (_S.ANSWERED, _S.CONFIRMED):
    TRANSITIONS |= {
        (_state, Ev.APP_RING): B2bua._app_ring,
        (_state, Ev.APP_STOP): B2bua._app_stop,
        (_state, Ev.APP_HANGUP): B2bua._app_bye,
        (_state, Ev.APP_DROP): B2bua._app_drop,
        (_state, Ev.APP_HOLD): B2bua._app_hold,
        (_state, Ev.APP_RESUME): B2bua._app_resume,
        (_state, Ev.APP_DROP_HELD): B2bua._app_drop_held,
        (_state, Ev.HELD_BYE): B2bua._held_hung_up,
        (_state, Ev.B_PROVISIONAL): B2bua._ignore,
        (_state, Ev.B_ANSWERED): B2bua._anchored_answer,
        (_state, Ev.B_FAILED): B2bua._leg_failed,
        (_state, Ev.RING_TIMEOUT): B2bua._no_answer,
    }
