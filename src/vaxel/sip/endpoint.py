"""The sans-IO glue between bytes on the wire and transactions: one SIP endpoint.

The transport hands in what arrived: `receive(data, peer, now)`. The endpoint parses it,
answers what cannot be processed (400 naming the defect, or the §8.2 checks), stamps
received/rport on the top Via (RFC 3581), matches the message to a transaction or makes a new
server transaction, absorbs retransmissions, and returns events for the transaction user
(registrar, B2BUA). What must go out waits in an outbox that the transport drains with
`take_outgoing()`. Time enters as `now`; the earliest deadline of all transactions is
`get_timer()`, and `handle_timer(now)` fires what is due.

Like h11, no sockets and no clock: tests drive two endpoints over a fake link.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.headers import Via
from vaxel.sip.message import (
    Request,
    Response,
    SipMessage,
    check_request,
    check_response,
    parse_message,
)
from vaxel.sip.timers import Timer, TimerConfig
from vaxel.sip.transaction import (
    Action,
    ClientInviteTransaction,
    ClientNonInviteTransaction,
    ClientTransaction,
    Deliver,
    ServerInviteTransaction,
    ServerNonInviteTransaction,
    ServerTransaction,
    Terminated,
    Timeout,
    Transaction,
    Transmit,
    TransportError,
    make_cancel,
    new_branch,
)
from vaxel.sip.transaction_table import TransactionTable

__all__ = [
    "AckReceived",
    "CancelReceived",
    "Endpoint",
    "EndpointEvent",
    "Outgoing",
    "Peer",
    "RequestReceived",
    "ResponseReceived",
    "TransactionEnded",
    "TransactionTimeout",
    "TransportFailed",
]

# What a broken request must still have for a 400 to reach its sender and be matched there:
# the Via to route it, the CSeq to match it. From, To and Call-ID are copied when present
# (RFC 4475 §3.2.1 expects a 400 to a request that lacks them).
_ADDRESSING = ("Via", "CSeq")
# Listen addresses that stand for every address of the host.
_WILDCARDS = ("0.0.0.0", "::")
# Requests that carry a session description: their body must be of a type we accept (415).
_SESSION_METHODS = frozenset({"INVITE", "UPDATE", "PRACK"})
# What a B2BUA carries on to another hop, with Max-Forwards one less (RFC 7332): its INVITEs.
# Everything else is addressed to us, and RFC 4475 §3.3.11 has an endpoint process a request
# with Max-Forwards 0 "as if the Max-Forwards field value were still positive"; 483 is a
# proxy's answer (RFC 3261 §16.3 step 3).
FORWARDED_METHODS = ("INVITE",)


@dataclass(frozen=True, slots=True)
class Peer:
    """Where a message came from or goes to: transport ("udp" or "tcp"), host and port.

    For TCP the (host, port) pair names the connection, so answers go back over it.
    """

    transport: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def reliable(self) -> bool:
        return self.transport != "udp"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Bytes for the transport to send to `peer`."""

    data: bytes
    peer: Peer


# -- Events for the transaction user -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestReceived:
    """A new request (not a retransmission); answer it through `tx` with `send_response`."""

    tx: ServerTransaction
    request: Request
    peer: Peer


@dataclass(frozen=True, slots=True)
class AckReceived:
    """An ACK for a 2xx: its own transaction (RFC 3261 §17.2.1), for the dialog to take."""

    request: Request
    peer: Peer


@dataclass(frozen=True, slots=True)
class CancelReceived:
    """A CANCEL matched this INVITE server transaction; the CANCEL itself got 200 already.

    The TU answers the INVITE with 487 if it has not sent a final response yet (§9.2).
    """

    invite_tx: ServerInviteTransaction
    request: Request
    peer: Peer


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    """A response to a request we sent, after the transaction has had its say."""

    tx: ClientTransaction
    response: Response


@dataclass(frozen=True, slots=True)
class TransactionTimeout:
    """A transaction gave up: a client one means 408 (Timer B or F); an INVITE server one
    in Accepted (Timer L) means the 2xx was never ACKed; Timer H, a non-2xx never ACKed."""

    tx: Transaction
    timer: Timer


@dataclass(frozen=True, slots=True)
class TransportFailed:
    """The transport could not deliver a message of this transaction (a client one: 503)."""

    tx: Transaction
    reason: str


@dataclass(frozen=True, slots=True)
class TransactionEnded:
    """A client transaction reached Terminated: nothing more will come through it, so the TU
    can forget what it kept about it (late 2xx from forks arrive before this, RFC 6026)."""

    tx: ClientTransaction


EndpointEvent = (
    RequestReceived
    | AckReceived
    | CancelReceived
    | ResponseReceived
    | TransactionTimeout
    | TransportFailed
    | TransactionEnded
)


def _take_initial(tx: Transaction) -> list[Action]:
    """A new transaction's first actions, once: the transaction need not keep them alive."""
    actions = tx.initial_actions
    tx.initial_actions = []
    return actions


class Endpoint:
    """One SIP endpoint: parse, check, match, and keep the transactions.

    `local` maps a transport and address family to the (host, port) we put in our Via and
    Contact headers; the transport sets it when it has bound its sockets.
    """

    def __init__(
        self,
        *,
        timers: TimerConfig | None = None,
        max_size: int = 65_535,
        supported: Iterable[str] = (),
        accept: Iterable[str] = ("application/sdp",),
        server_header: str = "vaxel",
        forwards: Iterable[str] = FORWARDED_METHODS,
    ) -> None:
        self.timers = timers or TimerConfig()
        self.max_size = max_size
        self.supported = frozenset(supported)
        self.accept = tuple(accept)
        # Methods the TU carries on to another hop: Max-Forwards 0 on one of them is 483.
        self.forwards = frozenset(forwards)
        self.server_header = server_header
        self.transactions = TransactionTable()
        self.stats: Counter[str] = Counter()
        self.local: dict[tuple[str, int], tuple[str, int]] = {}
        # Our address on the route to a host, for a wildcard listen (the transport sets it;
        # finding it takes a socket, which this layer has none of).
        self.facing: Callable[[str], str] | None = None
        self._outbox: list[Outgoing] = []
        self._trying: list[ServerInviteTransaction] = []
        self._trying_now = 0.0

    # -- addresses -------------------------------------------------------------------------

    def set_local(self, transport: str, host: str, port: int) -> None:
        """We listen on host:port over `transport` (the first one per family is advertised)."""
        self.local.setdefault((transport, 6 if ":" in host else 4), (host, port))

    def local_address(self, peer: Peer) -> tuple[str, int]:
        """Our (host, port) as seen over the transport and address family of `peer`.

        Listening on a wildcard (0.0.0.0, ::), the host is `facing(peer.host)` when the
        transport set that: the address a Via or Contact can name."""
        family = 6 if ":" in peer.host else 4
        found = self.local.get((peer.transport, family)) or self.local.get(("udp", family))
        if found is None:
            found = next(iter(self.local.values()), ("127.0.0.1", 5060))
        if found[0] in _WILDCARDS and self.facing is not None:
            return self.facing(peer.host), found[1]
        return found

    def local_uri_host(self, peer: Peer) -> str:
        """host:port of ours for a URI to `peer` (IPv6 in brackets)."""
        host, port = self.local_address(peer)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def new_via(self, peer: Peer) -> str:
        """A top Via for a request we originate to `peer`, with a fresh branch and rport."""
        return str(self._new_via(peer))

    def _new_via(self, peer: Peer) -> Via:
        host, port = self.local_address(peer)
        if ":" in host:
            host = f"[{host}]"
        return Via(peer.transport.upper(), host, port, {"branch": new_branch(), "rport": None})

    # -- input -----------------------------------------------------------------------------

    def receive(self, data: bytes, peer: Peer, now: float) -> list[EndpointEvent]:
        """One datagram or one framed stream message from `peer`."""
        self._trying_now = now
        stats = self.stats
        stats["received"] += 1
        if data[:1] in (b"\r", b"\n", b"") and not data.strip(b"\r\n"):
            stats["keepalive"] += 1
            return []  # RFC 5626 keep-alive (CRLF); nothing to answer over UDP
        try:
            message = parse_message(data, max_size=self.max_size)
        except RemoteProtocolError as error:
            self._reject_unparsable(error, peer)
            return []
        if isinstance(message, Request):
            return self._receive_request(message, peer, now)
        return self._receive_response(message, now)

    def _reject_unparsable(self, error: RemoteProtocolError, peer: Peer) -> None:
        partial = error.partial
        addressable = (
            partial is not None
            and partial.method != "ACK"
            and all(name in partial.headers for name in _ADDRESSING)
        )
        if addressable:
            assert partial is not None
            try:
                self._send_stateless(partial.response(error.status_hint, error.reason), peer)
                self.stats["rejected"] += 1
                return
            except Exception:
                pass
        self.stats["dropped_malformed"] += 1

    def _receive_request(self, request: Request, peer: Peer, now: float) -> list[EndpointEvent]:
        # Stamp first: replacing the Via drops the parsed-header cache, so do it before
        # check_request parses everything else.
        with contextlib.suppress(RemoteProtocolError):  # check_request names the defect
            self._stamp_via(request, peer)
        if request.method == "ACK":
            # An ACK is never answered, so the full §8.2 check has nothing to reply; only what
            # matching needs is read (a defect there drops it, below).
            try:
                return self._receive_ack(request, peer, now)
            except RemoteProtocolError:
                self.stats["dropped_malformed"] += 1
                return []
        method = request.method
        accept = self.accept if method in _SESSION_METHODS else None
        rejection = check_request(
            request,
            supported=self.supported,
            accept=accept,
            forwarding=method in self.forwards,
            sips=peer.transport == "tls",
        )
        if rejection is not None:
            if not all(n in request.headers for n in _ADDRESSING):
                self.stats["dropped_malformed"] += 1
                return []
            try:
                response = request.response(
                    rejection.status, rejection.reason, headers=rejection.headers
                )
            except RemoteProtocolError:
                self.stats["dropped_malformed"] += 1
                return []
            self._send_stateless(response, peer)
            self.stats["rejected"] += 1
            return []
        table = self.transactions
        tx = table.match_request(request)
        if tx is not None:  # a retransmission
            self.stats["absorbed"] += 1
            return self._run(tx, tx.receive(request, now))
        reliable = peer.reliable
        server: ServerTransaction
        if method == "INVITE":
            # 100 Trying waits until the TU has had its turn (take_outgoing): an INVITE it
            # answers at once (407, 404 …) needs none (RFC 3261 §17.2.1: "unless the TU will
            # generate a response within 200 ms").
            server = ServerInviteTransaction(request, now, reliable, self.timers, trying=False)
            self._trying.append(server)
        else:
            server = ServerNonInviteTransaction(request, now, reliable, self.timers)
        server.peer = peer
        table.add(server)
        if method == "CANCEL":
            return self._cancel(server, request, peer, now)
        return self._run(server, _take_initial(server))

    def _receive_ack(self, ack: Request, peer: Peer, now: float) -> list[EndpointEvent]:
        table = self.transactions
        tx = table.match_request(ack)
        if tx is not None:  # the ACK of a non-2xx final response: the IST absorbs it
            return self._run(tx, tx.receive(ack, now))
        if ack.cseq.method != "ACK":
            self.stats["dropped_malformed"] += 1
            return []
        invite = table.find_invite_for_ack(ack)
        if invite is not None:  # the ACK of our 2xx: the IST stops resending it
            return self._run(invite, invite.receive(ack, now))
        return [AckReceived(ack, peer)]

    def _cancel(
        self, server: ServerTransaction, cancel: Request, peer: Peer, now: float
    ) -> list[EndpointEvent]:
        self._run(server, _take_initial(server))  # Deliver(CANCEL): handled here, not by the TU
        invite = self.transactions.find_invite_for_cancel(cancel)
        if invite is None:
            self.send_response(server, cancel.response(481), now)
            return []
        # §9.2: the To tag of the 200 to CANCEL is the one the INVITE's responses carry.
        last = invite.last_response
        tag = last.to.tag if last is not None and last.status > 100 else None
        self.send_response(server, cancel.response(200, to_tag=tag), now)
        return [CancelReceived(invite, cancel, peer)]

    def _stamp_via(self, request: Request, peer: Peer) -> None:
        """RFC 3581 / §18.2.1: note where the request really came from on its top Via."""
        via = request.top_via
        rport = via.rport
        host = via.host[1:-1] if via.host.startswith("[") else via.host
        if rport is None and host == peer.host:
            return
        params = dict(via.params)
        if host != peer.host or rport is not None:
            params["received"] = peer.host
        if rport is not None:
            params["rport"] = str(peer.port)
        via = type(via)(via.transport, via.host, via.port, params)
        request.set_top_via(via)

    def _receive_response(self, response: Response, now: float) -> list[EndpointEvent]:
        # Matching reads the top Via and CSeq. A final response to an INVITE, which makes or
        # ends dialogs, is then checked whole (a broken one is dropped: never answered); the
        # TU reads no more than it needs of the others.
        try:
            tx = self.transactions.match_response(response)
        except RemoteProtocolError:
            tx = None
        if tx is None:
            self.stats["stray_responses"] += 1
            return []
        final_invite = response.status >= 200 and response.cseq.method == "INVITE"
        if final_invite and check_response(response) is not None:
            self.stats["dropped_malformed"] += 1
            return []
        return self._run(tx, tx.receive(response, now))

    # -- output ----------------------------------------------------------------------------

    def send_request(self, request: Request, peer: Peer, now: float) -> ClientTransaction | None:
        """Send a request we originate; adds our Via if it has none. None for ACK (no
        transaction: §17.1.1.3 ACKs to a 2xx are sent by the TU itself, end to end)."""
        if "Via" not in request.headers:
            request.push_via(self._new_via(peer))
        if request.method == "ACK":
            self._send_stateless(request, peer)
            return None
        tx: ClientTransaction
        if request.method == "INVITE":
            tx = ClientInviteTransaction(request, now, peer.reliable, self.timers)
        else:
            tx = ClientNonInviteTransaction(request, now, peer.reliable, self.timers)
        tx.peer = peer
        self.transactions.add(tx)
        self._run(tx, _take_initial(tx))
        return tx

    def cancel(self, invite: ClientInviteTransaction, now: float) -> ClientTransaction | None:
        """CANCEL an INVITE we sent (§9.1); the TU sends it only after a provisional response."""
        peer = invite.peer
        assert isinstance(peer, Peer)
        return self.send_request(make_cancel(invite.request), peer, now)

    def send_response(self, tx: ServerTransaction, response: Response, now: float) -> None:
        """Answer a request through its server transaction."""
        events = self._run(tx, tx.send_response(response, now))
        assert not events, events

    def send_stateless(self, message: SipMessage, peer: Peer) -> None:
        """Send without a transaction (the ACK to a 2xx, a 2xx retransmission the TU owns)."""
        self._send_stateless(message, peer)

    def _send_stateless(self, message: SipMessage, peer: Peer) -> None:
        self._outbox.append(Outgoing(message.to_bytes(), peer))

    def take_outgoing(self) -> list[Outgoing]:
        """Everything waiting to be sent, in order; the outbox is empty afterwards."""
        if self._trying:
            for tx in self._trying:
                if tx.last_response is None and not tx.terminated:
                    self.send_response(tx, tx.request.response(100), self._trying_now)
            self._trying.clear()
        out, self._outbox = self._outbox, []
        return out

    # -- time and failures -----------------------------------------------------------------

    def get_timer(self) -> float | None:
        """The earliest deadline of any transaction, or None."""
        return self.transactions.get_timer()

    def handle_timer(self, now: float) -> list[EndpointEvent]:
        """Fire every transaction timer due at `now`."""
        events: list[EndpointEvent] = []
        for tx, action in self.transactions.handle_timer(now):
            events += self._run(tx, [action])
        return events

    def transport_failed(self, peer: Peer, now: float, reason: str) -> list[EndpointEvent]:
        """The transport could not reach `peer`: every transaction toward it fails."""
        events: list[EndpointEvent] = []
        for tx in [tx for tx in self.transactions if tx.peer == peer]:
            events += self._run(tx, tx.transport_error(now, reason))
        return events

    # -- actions -> outbox and events ------------------------------------------------------

    def _run(self, tx: Transaction, actions: list[Action]) -> list[EndpointEvent]:
        events: list[EndpointEvent] = []
        for action in actions:
            if isinstance(action, Transmit):
                peer = tx.peer
                assert isinstance(peer, Peer)
                self._outbox.append(Outgoing(action.message.to_bytes(), peer))
            elif isinstance(action, Deliver):
                message = action.message
                if isinstance(message, Response):
                    assert isinstance(tx, ClientTransaction)
                    events.append(ResponseReceived(tx, message))
                elif isinstance(message, Request):
                    assert isinstance(tx, ServerTransaction)
                    peer = tx.peer
                    assert isinstance(peer, Peer)
                    if message.method == "ACK":
                        events.append(AckReceived(message, peer))
                    elif message.method != "CANCEL":
                        events.append(RequestReceived(tx, message, peer))
            elif isinstance(action, Timeout):
                events.append(TransactionTimeout(tx, action.timer))
            elif isinstance(action, TransportError):
                events.append(TransportFailed(tx, action.reason))
            elif isinstance(action, Terminated) and isinstance(tx, ClientTransaction):
                events.append(TransactionEnded(tx))
        return events
