"""The live transactions of one endpoint (RFC 3261 §17): matched by key, timed together.

`TransactionTable` files each new transaction under its key (§17.1.3, §17.2.3), finds the one
a response, a retransmitted request, a CANCEL (§9.2) or the ACK of a 2xx belongs to, and keeps
every deadline in one heap, so the endpoint arms a single timer for all of them.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import replace

from vaxel.sip.errors import LocalProtocolError
from vaxel.sip.message import Request, Response, SipMessage
from vaxel.sip.transaction import (
    Action,
    ClientTransaction,
    ISTState,
    ServerInviteTransaction,
    ServerTransaction,
    Transaction,
    TransactionKey,
)

__all__ = ["TransactionTable"]


_AckIndex = tuple[str, str | None, int]


def _ack_index(message: SipMessage) -> _AckIndex:
    return (message.call_id, message.from_.tag, message.cseq.seq)


class TransactionTable:
    """The live transactions of one endpoint: matching by key, and one timer over all of them.

    Deadlines sit in a heap, so `get_timer()` and `handle_timer(now)` cost O(log n) per fired
    timer rather than a scan. A transaction tells the table after each step (the table watches
    it from `add` on), so calls made straight on a transaction keep the heap right, and a
    transaction that reaches Terminated leaves the table by itself.
    """

    def __init__(self) -> None:
        self._client: dict[TransactionKey, ClientTransaction] = {}
        self._server: dict[TransactionKey, ServerTransaction] = {}
        self._invites: dict[_AckIndex, ServerInviteTransaction] = {}
        self._heap: list[tuple[float, int, Transaction]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._client) + len(self._server)

    def __iter__(self) -> Iterator[Transaction]:
        yield from self._client.values()
        yield from self._server.values()

    def add(self, tx: Transaction) -> None:
        """File a new transaction; LocalProtocolError if its key is taken."""
        if tx.terminated:
            return
        if isinstance(tx, ClientTransaction):
            if tx.key in self._client:
                raise LocalProtocolError(f"a client transaction with key {tx.key} exists")
            self._client[tx.key] = tx
        elif isinstance(tx, ServerTransaction):
            if tx.key in self._server:
                raise LocalProtocolError(f"a server transaction with key {tx.key} exists")
            self._server[tx.key] = tx
            if isinstance(tx, ServerInviteTransaction):
                self._invites[_ack_index(tx.request)] = tx
        tx._table = self
        tx._scheduled = None
        self._changed(tx)

    def remove(self, tx: Transaction) -> None:
        """Forget a transaction (its heap entries go stale and are skipped)."""
        tx._table = None
        tx._scheduled = None
        if isinstance(tx, ClientTransaction):
            if self._client.get(tx.key) is tx:
                del self._client[tx.key]
        elif self._server.get(tx.key) is tx:
            del self._server[tx.key]
            index = _ack_index(tx.request)
            if self._invites.get(index) is tx:
                del self._invites[index]

    def match_response(self, response: Response) -> ClientTransaction | None:
        """§17.1.3: the client transaction this response belongs to, or None (stray response)."""
        return self._client.get(TransactionKey.for_client(response))

    def match_request(self, request: Request) -> ServerTransaction | None:
        """§17.2.3: the server transaction of a retransmission or of a non-2xx ACK, or None.

        None for a new request (the TU makes a server transaction) and for an ACK to a 2xx
        (which is its own transaction; see `find_invite_for_ack`).
        """
        key = TransactionKey.for_server(request)
        tx = self._server.get(key)
        if tx is None or key.branch or tx.legacy_to_tag_matches(request):
            return tx
        return None

    def find_invite_for_cancel(self, cancel: Request) -> ServerInviteTransaction | None:
        """§9.2: the INVITE server transaction a CANCEL refers to, or None (→ 481)."""
        key = replace(TransactionKey.for_server(cancel), method="INVITE")
        tx = self._server.get(key)
        if not isinstance(tx, ServerInviteTransaction):
            return None
        if not key.branch and not tx.legacy_to_tag_matches(cancel):
            return None
        return tx

    def find_invite_for_ack(self, ack: Request) -> ServerInviteTransaction | None:
        """The INVITE server transaction (in Accepted) whose 2xx this ACK acknowledges.

        Not a §17.2.3 match: the 2xx ACK has its own branch. Feed it to the transaction with
        `tx.receive(ack, now)` so it stops resending the 2xx.
        """
        tx = self._invites.get(_ack_index(ack))
        if tx is None or tx.state is not ISTState.ACCEPTED:
            return None
        response = tx.last_response
        if response is not None and response.to.tag != ack.to.tag:
            return None
        return tx

    def get_timer(self) -> float | None:
        """The earliest deadline over all live transactions."""
        while self._heap:
            deadline, _, tx = self._heap[0]
            current = tx.get_timer()
            if tx._table is not None and current == deadline:
                return deadline
            self._drop_top(tx, deadline, current)
        return None

    def handle_timer(self, now: float) -> list[tuple[Transaction, Action]]:
        """Fire what is due at `now`; each action comes with its transaction."""
        out: list[tuple[Transaction, Action]] = []
        while self._heap and self._heap[0][0] <= now:
            deadline, _, tx = self._heap[0]
            current = tx.get_timer()
            if tx._table is None or current is None or current > now:
                self._drop_top(tx, deadline, current)
                continue
            heapq.heappop(self._heap)
            if tx._scheduled == deadline:
                tx._scheduled = None
            out.extend((tx, action) for action in tx.handle_timer(now))
        return out

    def _drop_top(self, tx: Transaction, deadline: float, current: float | None) -> None:
        """Pop a stale heap entry, making sure a live transaction keeps an entry of its own."""
        heapq.heappop(self._heap)
        if tx._scheduled == deadline:
            tx._scheduled = None
        if tx._table is not None and current is not None:
            self._schedule(tx, current)

    def _changed(self, tx: Transaction) -> None:
        if tx.terminated:
            self.remove(tx)
            return
        deadline = tx.get_timer()
        if deadline is not None:
            self._schedule(tx, deadline)

    def _schedule(self, tx: Transaction, deadline: float) -> None:
        if tx._scheduled == deadline:
            return
        tx._scheduled = deadline
        self._seq += 1
        heapq.heappush(self._heap, (deadline, self._seq, tx))
        if len(self._heap) > 4 * len(self) + 1024:
            self._compact()

    def _compact(self) -> None:
        """Drop stale entries: one entry per live transaction with an armed timer."""
        self._heap = []
        for tx in self:
            tx._scheduled = None
            deadline = tx.get_timer()
            if deadline is not None:
                tx._scheduled = deadline
                self._seq += 1
                self._heap.append((deadline, self._seq, tx))
        heapq.heapify(self._heap)
