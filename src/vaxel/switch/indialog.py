"""Requests inside a call's dialogs (RFC 3261 §12, §14): relayed end to end, or answered here.

Between two phones whose SDP went end to end, a re-INVITE (hold, resume), UPDATE or INFO from
one side is passed to the other, its answer passed back, and the ACK for a relayed re-INVITE's
2xx follows it (`DialogRelay.relay`, `relay_response`, `relay_ack`). On a leg whose media is
ours (an app answered, or we connected a phone with our own offer), we answer ourselves: the
app's `offer_in` gives the SDP answer (`DialogRelay.answer`).

`Addresses` says what we write as our Contact and Via for a peer: the address that faces it
when the switch listens on every address.
"""

from __future__ import annotations

import contextlib

from vaxel.sip.endpoint import Endpoint, Peer
from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.message import Request, Response
from vaxel.sip.transaction import ClientTransaction, ServerTransaction
from vaxel.switch.legs import ALLOW, SDP, Call, Leg, Relay, Side, body_headers, other_side
from vaxel.switch.media_leg import UNSPECIFIED, facing_address

ANSWERED_HERE = ("INFO", "OPTIONS", "UPDATE", "NOTIFY")  # 200 when our media is on the leg


class Addresses:
    """Our host:port, Contact and Via as a given peer should see them."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def host(self, peer: Peer) -> str:
        host, port = self.endpoint.local_address(peer)
        if host in UNSPECIFIED:  # listening on every address: say the one that faces the peer
            host = facing_address(peer.host)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def contact(self, peer: Peer) -> str:
        transport = "" if peer.transport == "udp" else f";transport={peer.transport}"
        return f"<sip:vaxel@{self.host(peer)}{transport}>"

    def via(self, peer: Peer) -> str:
        return f"SIP/2.0/{peer.transport.upper()} {self.host(peer)};rport"


class DialogRelay:
    """In-dialog requests of calls; `client_txs` is the B2BUA's, where relays are found."""

    def __init__(
        self,
        endpoint: Endpoint,
        addresses: Addresses,
        client_txs: dict[ClientTransaction, Leg | Relay],
    ) -> None:
        self.endpoint = endpoint
        self.addresses = addresses
        self.client_txs = client_txs

    def _refuse(self, tx: ServerTransaction, request: Request, status: int, now: float,
                reason: str | None = None) -> None:  # fmt: skip
        self.endpoint.send_response(tx, request.response(status, reason), now)

    def relay(
        self, call: Call, side: Side, tx: ServerTransaction, request: Request, now: float
    ) -> None:
        """Pass the request to the other side; its answer comes back through relay_response."""
        src, dst = call.dialog(side), call.dialog(other_side(side))
        if src is None or dst is None:
            self._refuse(tx, request, 481, now)
            return
        try:
            src.receive_request(request)
        except RemoteProtocolError as error:
            self._refuse(tx, request, error.status_hint, now, error.reason)
            return
        if request.method == "INVITE":
            if call.relaying:  # glare: one re-INVITE at a time
                self._refuse(tx, request, 491, now)
                return
            call.relaying = True
        relayed = dst.create_request(request.method, body_headers(request), request.body)
        client = self.endpoint.send_request(relayed, call.peer(other_side(side)), now)
        if client is not None:
            self.client_txs[client] = Relay(call, side, tx, request, relayed)

    def answer(
        self, call: Call, side: Side, tx: ServerTransaction, request: Request, now: float
    ) -> None:
        """A request on a leg whose media is ours: we answer it (hold, session refresh …)."""
        dialog = call.dialog(side)
        if dialog is None:
            self._refuse(tx, request, 481, now)
            return
        try:
            dialog.receive_request(request)
        except RemoteProtocolError as error:
            self._refuse(tx, request, error.status_hint, now, error.reason)
            return
        method = request.method
        if method == "INVITE" or (method == "UPDATE" and request.body):
            answer = None if call.hooks is None else call.hooks.offer_in(side, request.body)
            if answer is None:
                self._refuse(tx, request, 488, now)
                return
            headers = [("Contact", self.addresses.contact(call.peer(side))), ("Allow", ALLOW), SDP]
            self.endpoint.send_response(tx, request.response(200, headers=headers, body=answer),
                                        now)  # fmt: skip
        elif method in ANSWERED_HERE:
            self.endpoint.send_response(tx, request.response(200), now)
        else:
            self.endpoint.send_response(tx, request.response(405, headers=[("Allow", ALLOW)]), now)

    def relay_ack(self, call: Call, side: Side, request: Request, now: float) -> None:
        """The ACK for a relayed 2xx goes on to the side that sent the 2xx."""
        pending = call.acks.pop((side, request.cseq.seq), None)
        if pending is None:
            return
        dst_side, dst_invite, _ = pending
        dst = call.dialog(dst_side)
        if dst is None:
            return
        ack = dst.create_ack(dst_invite.cseq.seq, body_headers(request), request.body)
        self.endpoint.send_request(ack, call.peer(dst_side), now)
        if dst_side is Side.B and call.winner is not None and dst_invite is call.winner.request:
            call.winner.ack = ack

    def relay_response(self, relay: Relay, response: Response, now: float) -> None:
        """The other side answered a relayed request: pass the answer back."""
        call, src = relay.call, relay.src
        dst_dialog = call.dialog(other_side(src))
        if dst_dialog is not None:
            dst_dialog.receive_response(response)
        status = response.status
        headers = body_headers(response)
        if relay.src_request.method == "INVITE" and status < 300:
            headers.insert(0, ("Contact", self.addresses.contact(call.peer(src))))
        if status >= 200 and relay.src_request.method == "INVITE":
            call.relaying = False
            if status < 300:
                call.acks[(src, relay.src_request.cseq.seq)] = (
                    other_side(src),
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
