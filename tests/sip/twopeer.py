"""Two SIP endpoints joined by a fake link: a virtual clock, controllable loss, no sockets.

Each Peer owns a TransactionTable and plays a minimal TU: new requests get a server
transaction, responses and requests are matched, and every action a transaction returns is
recorded with the virtual time it happened at. Messages cross the link as bytes and are
parsed again on the other side, so what is tested is what would go on the wire.

    link = TwoPeers()
    tx = link.client.start(invite)          # the ICT sends the INVITE
    link.run(until=0.0)                     # the server got it
    ist = link.server.last_server_tx
    link.server.respond(ist, response)      # the server TU answers
    link.run(until=40.0)                    # timers and retransmissions play out
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vaxel.sip.message import Request, Response, SipMessage, parse_message
from vaxel.sip.timers import TimerConfig
from vaxel.sip.transaction import (
    Action,
    ClientInviteTransaction,
    ClientNonInviteTransaction,
    ClientTransaction,
    Deliver,
    ServerInviteTransaction,
    ServerNonInviteTransaction,
    ServerTransaction,
    Transaction,
    Transmit,
)
from vaxel.sip.transaction_table import TransactionTable


def describe(message: SipMessage) -> str:
    """"INVITE", "ACK", "180", "486" …: how the log names a message."""
    if isinstance(message, Request):
        return message.method
    assert isinstance(message, Response)
    return str(message.status)


@dataclass
class Record:
    """One action a transaction returned, and when."""

    at: float
    tx: Transaction | None
    action: Action


@dataclass
class Peer:
    """One endpoint: its transactions, and what reached its TU."""

    name: str
    link: TwoPeers
    reliable: bool
    config: TimerConfig
    table: TransactionTable = field(default_factory=TransactionTable)
    records: list[Record] = field(default_factory=list)
    strays: list[SipMessage] = field(default_factory=list)  # matched no transaction
    server_txs: list[ServerTransaction] = field(default_factory=list)
    trying: bool = True  # whether a new IST sends 100 Trying at once

    # -- the TU's side -------------------------------------------------------------------------

    def start(self, request: Request) -> ClientTransaction:
        """Start a client transaction for a request we send."""
        now = self.link.now
        tx: ClientTransaction
        if request.method == "INVITE":
            tx = ClientInviteTransaction(request, now, self.reliable, self.config)
        else:
            tx = ClientNonInviteTransaction(request, now, self.reliable, self.config)
        self.table.add(tx)
        self.act(tx, tx.initial_actions)
        return tx

    def respond(self, tx: ServerTransaction, response: Response) -> list[Action]:
        actions = tx.send_response(response, self.link.now)
        self.act(tx, actions)
        return actions

    def send_raw(self, message: SipMessage) -> None:
        """Send outside any transaction (the ACK to a 2xx)."""
        self.link.carry(self, message)

    @property
    def last_server_tx(self) -> ServerTransaction:
        return self.server_txs[-1]

    def delivered(self) -> list[SipMessage]:
        """Every message a transaction passed up to this TU, in order."""
        return [r.action.message for r in self.records if isinstance(r.action, Deliver)]

    def delivered_names(self) -> list[str]:
        """delivered(), as the log names them: ["100", "486"] or ["INVITE", "ACK"]."""
        return [describe(message) for message in self.delivered()]

    def actions_of(self, kind: type) -> list[Record]:
        return [r for r in self.records if isinstance(r.action, kind)]

    # -- the stack's side ----------------------------------------------------------------------

    def act(self, tx: Transaction | None, actions: list[Action]) -> None:
        for action in actions:
            self.records.append(Record(self.link.now, tx, action))
            if isinstance(action, Transmit):
                self.link.carry(self, action.message)

    def receive(self, data: bytes) -> None:
        message = parse_message(data)
        now = self.link.now
        if isinstance(message, Response):
            client = self.table.match_response(message)
            if client is None:
                self.strays.append(message)
            else:
                self.act(client, client.receive(message, now))
            return
        server = self.table.match_request(message)
        if server is None and message.method == "ACK":
            server = self.table.find_invite_for_ack(message)
            if server is None:
                self.strays.append(message)
                return
        if server is not None:
            self.act(server, server.receive(message, now))
            return
        new: ServerTransaction
        if message.method == "INVITE":
            new = ServerInviteTransaction(message, now, self.reliable, self.config, self.trying)
        else:
            new = ServerNonInviteTransaction(message, now, self.reliable, self.config)
        self.table.add(new)
        self.server_txs.append(new)
        self.act(new, new.initial_actions)

    def handle_timer(self) -> None:
        for tx, action in self.table.handle_timer(self.link.now):
            self.act(tx, [action])


@dataclass
class Flight:
    arrives: float
    seq: int
    to: Peer
    data: bytes


class TwoPeers:
    """A client and a server peer, a virtual clock, and a link that may lose messages."""

    def __init__(self, *, reliable: bool = False, config: TimerConfig | None = None,
                 latency: float = 0.0) -> None:
        config = config or TimerConfig()
        self.now = 0.0
        self.latency = latency
        self.client = Peer("client", self, reliable, config)
        self.server = Peer("server", self, reliable, config)
        self.in_flight: list[Flight] = []
        self.log: list[tuple[float, str, str]] = []  # (time, sender, message) of every send
        self.lost: list[tuple[float, str, str]] = []
        self._rules: list[tuple[str, Callable[[SipMessage], bool], list[int]]] = []
        self._seq = 0

    def lose(self, sender: str, match: Callable[[SipMessage], bool] | str,
             count: int = 1) -> None:
        """Drop the next `count` messages from `sender` that match (a predicate or a name)."""
        if isinstance(match, str):
            name = match
            match = lambda message: describe(message) == name  # noqa: E731
        self._rules.append((sender, match, [count]))

    def other(self, peer: Peer) -> Peer:
        return self.server if peer is self.client else self.client

    def carry(self, sender: Peer, message: SipMessage) -> None:
        entry = (self.now, sender.name, describe(message))
        for name, match, left in self._rules:
            if name == sender.name and left[0] > 0 and match(message):
                left[0] -= 1
                self.lost.append(entry)
                return
        self.log.append(entry)
        self._seq += 1
        self.in_flight.append(
            Flight(self.now + self.latency, self._seq, self.other(sender), message.to_bytes())
        )

    def sent(self, sender: str, name: str | None = None) -> list[float]:
        """When `sender` put a message (of this name) on the link."""
        return [at for at, who, what in self.log if who == sender and name in (None, what)]

    def next_event(self) -> float | None:
        times = [f.arrives for f in self.in_flight]
        times += [t for t in (self.client.table.get_timer(), self.server.table.get_timer())
                  if t is not None]
        return min(times) if times else None

    def run(self, until: float) -> None:
        """Play everything that happens up to and including `until`, then set the clock there."""
        while (at := self.next_event()) is not None and at <= until:
            self.now = max(self.now, at)
            due = sorted((f for f in self.in_flight if f.arrives <= self.now),
                         key=lambda f: (f.arrives, f.seq))
            for flight in due:
                self.in_flight.remove(flight)
                flight.to.receive(flight.data)
            self.client.handle_timer()
            self.server.handle_timer()
        self.now = max(self.now, until)


# -- messages for tests ------------------------------------------------------------------------

ALICE = "<sip:alice@example.com>"
BOB = "<sip:bob@example.com>"


def make_request(
    method: str,
    *,
    branch: str = "z9hG4bKtest1",
    cseq: int = 1,
    call_id: str = "call-1@client.example.com",
    from_tag: str = "alice-tag",
    to_tag: str | None = None,
    uri: str = "sip:bob@example.com",
    via_host: str = "client.example.com:5060",
    extra: tuple[tuple[str, str], ...] = (),
) -> Request:
    """A request from alice to bob, built with Request.create; branch="" means no branch."""
    via = f"SIP/2.0/UDP {via_host}" + (f";branch={branch}" if branch else "")
    to = BOB + (f";tag={to_tag}" if to_tag else "")
    headers = [
        ("Via", via),
        ("Max-Forwards", "70"),
        ("From", f"{ALICE};tag={from_tag}"),
        ("To", to),
        ("Call-ID", call_id),
        ("CSeq", f"{cseq} {method}"),
    ]
    if method in ("INVITE", "SUBSCRIBE", "REGISTER"):
        headers.append(("Contact", "<sip:alice@client.example.com:5060>"))
    return Request.create(method, uri, [*headers, *extra])
