"""The transaction user: each endpoint event goes to the registrar or the B2BUA, or is answered
here."""

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
from vaxel.sip.transaction import ServerInviteTransaction
from vaxel.switch.b2bua import ALLOW, B2bua
from vaxel.switch.registrar import Registrar

log = logging.getLogger(__name__)

ACCEPT = "application/sdp"
SUPPORTED = ""  # no option tags yet (no 100rel, no timer, no path)


class SwitchTU:
    def __init__(self, endpoint: Endpoint, registrar: Registrar, b2bua: B2bua) -> None:
        self.endpoint = endpoint
        self.registrar = registrar
        self.b2bua = b2bua

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
        if isinstance(event, RequestReceived):
            self._request(event, now)
        elif isinstance(event, ResponseReceived):
            self.b2bua.response(event.tx, event.response, now)
        elif isinstance(event, AckReceived):
            self.b2bua.ack(event.request, now)
        elif isinstance(event, CancelReceived):
            self.b2bua.cancel(event.invite_tx, now)
        elif isinstance(event, TransactionTimeout):
            self.b2bua.timeout(event.tx, event.timer, now)  # type: ignore[arg-type]
        elif isinstance(event, TransportFailed):
            self.b2bua.timeout(event.tx, Timer.B, now)  # type: ignore[arg-type]
        elif isinstance(event, TransactionEnded):
            self.b2bua.ended(event.tx)

    def _request(self, event: RequestReceived, now: float) -> None:
        request, tx, endpoint = event.request, event.tx, self.endpoint
        method = request.method
        if request.to.tag is not None:
            if not self.b2bua.in_dialog(tx, request, event.peer, now):
                endpoint.send_response(tx, request.response(481), now)
            return
        if method == "INVITE":
            assert isinstance(tx, ServerInviteTransaction)
            self.b2bua.invite(tx, request, event.peer, now)
        elif method == "REGISTER":
            self.registrar.handle(tx, request, event.peer, now)
        elif method == "OPTIONS":
            headers = [("Allow", ALLOW), ("Accept", ACCEPT), ("Supported", SUPPORTED)]
            endpoint.send_response(tx, request.response(200, headers=headers), now)
        elif method in ("BYE", "UPDATE", "INFO", "PRACK"):
            endpoint.send_response(tx, request.response(481), now)
        else:
            endpoint.send_response(tx, request.response(405, headers=[("Allow", ALLOW)]), now)

    def get_timer(self) -> float | None:
        mine = self.registrar.get_timer()
        calls = self.b2bua.get_timer()
        if mine is None or (calls is not None and calls < mine):
            return calls
        return mine

    def handle_timer(self, now: float) -> None:
        self.registrar.handle_timer(now)
        self.b2bua.handle_timer(now)
