"""The transaction user: each endpoint event goes to the registrar, the B2BUA or the
message-waiting subscriptions (when the apps serve them), or is answered here."""

from __future__ import annotations

import contextlib
import logging

from vaxel.sip.endpoint import (
    AckReceived,
    CancelReceived,
    Endpoint,
    EndpointEvent,
    RequestReceived,
    ResponseReceived,
    TransactionEnded,
    TransactionTimeout,
    TransportFailed,
)
from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.timers import Timer
from vaxel.sip.transaction import ClientTransaction, ServerInviteTransaction, Transaction
from vaxel.switch.b2bua import ALLOW, B2bua
from vaxel.switch.registrar import Registrar
from vaxel.switch.subscriptions import ALLOW_EVENTS, Subscriptions

log = logging.getLogger(__name__)

ACCEPT = "application/sdp"
SUPPORTED = ""  # no option tags yet (no 100rel, no timer, no path)
# The methods of RFC 3261 and of the extensions in IANA's SIP method registry: the ones we
# recognise. One we take gets handled; one we recognise but do not take, 405 (§8.2.1); any
# other, 501 Not Implemented (§21.5.2), with Allow either way. Method names are
# case-sensitive (§7.1): "options" is not OPTIONS, and RFC 4475's "RE%47IST%45R" is not
# REGISTER (§3.1.1.5: "An endpoint would reject this message with a 501").
KNOWN_METHODS = frozenset(
    {
        "ACK", "BYE", "CANCEL", "INFO", "INVITE", "MESSAGE", "NOTIFY", "OPTIONS", "PRACK",
        "PUBLISH", "REFER", "REGISTER", "SUBSCRIBE", "UPDATE",
    }
)  # fmt: skip


class SwitchTU:
    def __init__(
        self,
        endpoint: Endpoint,
        registrar: Registrar,
        b2bua: B2bua,
        subscriptions: Subscriptions | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.registrar = registrar
        self.b2bua = b2bua
        self.subscriptions = subscriptions  # None: SUBSCRIBE is not allowed (405)

    @property
    def allow(self) -> str:
        """The methods we take (Allow in OPTIONS, 405 and 501 answers)."""
        return ALLOW if self.subscriptions is None else f"{ALLOW}, SUBSCRIBE"

    def handle_events(self, events: list[EndpointEvent], now: float) -> None:
        for event in events:
            try:
                self._dispatch(event, now)
            except RemoteProtocolError as error:
                # A header the endpoint did not check (it checks what it must) is broken.
                log.info("dropped a message: %s", error)
                if isinstance(event, RequestReceived) and event.request.method != "ACK":
                    with contextlib.suppress(Exception):
                        self.endpoint.send_response(
                            event.tx,
                            event.request.response(error.status_hint, error.reason),
                            now,
                        )

    def _dispatch(self, event: EndpointEvent, now: float) -> None:
        subscriptions = self.subscriptions
        if isinstance(event, RequestReceived):
            self._request(event, now)
        elif isinstance(event, ResponseReceived):
            if subscriptions is None or not subscriptions.response(event.tx, event.response, now):
                self.b2bua.response(event.tx, event.response, now)
        elif isinstance(event, AckReceived):
            self.b2bua.ack(event.request, now)
        elif isinstance(event, CancelReceived):
            self.b2bua.cancel(event.invite_tx, now)
        elif isinstance(event, TransactionTimeout | TransportFailed):
            if not self._notify_failed(event.tx):
                timer = event.timer if isinstance(event, TransactionTimeout) else Timer.B
                self.b2bua.timeout(event.tx, timer, now)  # type: ignore[arg-type]
        elif isinstance(event, TransactionEnded):
            if subscriptions is not None:
                subscriptions.ended(event.tx)
            self.b2bua.ended(event.tx)

    def _notify_failed(self, tx: Transaction) -> bool:
        """Whether `tx` was a NOTIFY of a subscription (which that ends)."""
        subscriptions = self.subscriptions
        return (
            subscriptions is not None
            and isinstance(tx, ClientTransaction)
            and subscriptions.timeout(tx)
        )

    def _request(self, event: RequestReceived, now: float) -> None:
        request, tx, endpoint = event.request, event.tx, self.endpoint
        method = request.method
        subscriptions = self.subscriptions
        if method not in KNOWN_METHODS:
            # §8.2.1 inspects the method before the dialog (§8.2.2.2): not relayed either.
            headers = [("Allow", self.allow)]
            endpoint.send_response(tx, request.response(501, headers=headers), now)
            return
        if request.to.tag is not None:
            # Calls first (the hot path); a refresh or unsubscribe of a subscription next.
            if self.b2bua.in_dialog(tx, request, event.peer, now):
                return
            if subscriptions is None or not subscriptions.in_dialog(tx, request, event.peer, now):
                endpoint.send_response(tx, request.response(481), now)
            return
        if method == "INVITE":
            assert isinstance(tx, ServerInviteTransaction)
            self.b2bua.invite(tx, request, event.peer, now)
        elif method == "REGISTER":
            self.registrar.handle(tx, request, event.peer, now)
        elif method == "SUBSCRIBE" and subscriptions is not None:
            subscriptions.subscribe(tx, request, event.peer, now)  # 489 for other events
        elif method == "OPTIONS":
            headers = [("Allow", self.allow), ("Accept", ACCEPT), ("Supported", SUPPORTED)]
            if subscriptions is not None:
                headers.append(("Allow-Events", ALLOW_EVENTS))
            endpoint.send_response(tx, request.response(200, headers=headers), now)
        elif method in ("BYE", "UPDATE", "INFO", "PRACK"):
            endpoint.send_response(tx, request.response(481), now)
        else:  # recognised, not taken out of a dialog (MESSAGE, PUBLISH, REFER …)
            headers = [("Allow", self.allow)]
            endpoint.send_response(tx, request.response(405, headers=headers), now)

    def get_timer(self) -> float | None:
        first = self.registrar.get_timer()
        calls = self.b2bua.get_timer()
        if first is None or (calls is not None and calls < first):
            first = calls
        if self.subscriptions is not None:
            expiry = self.subscriptions.get_timer()
            if first is None or (expiry is not None and expiry < first):
                first = expiry
        return first

    def handle_timer(self, now: float) -> None:
        self.registrar.handle_timer(now)
        self.b2bua.handle_timer(now)
        if self.subscriptions is not None:
            self.subscriptions.handle_timer(now)
