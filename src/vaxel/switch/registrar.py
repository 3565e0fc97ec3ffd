"""The registrar (RFC 3261 §10.3): REGISTER, authenticated, bindings in memory and persisted.

Bindings live in memory for the hot path (a call looks up the callee's contacts without the
database) and are written behind to storage's registrations table, so phones stay reachable
across a restart: `load()` reads them back at start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from vaxel.sip.endpoint import Endpoint, Peer
from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.headers import NameAddr
from vaxel.sip.message import Request
from vaxel.sip.transaction import ServerTransaction
from vaxel.sip.uri import SipUri
from vaxel.storage.db import Database
from vaxel.storage.registrations import Binding as StoredBinding
from vaxel.storage.registrations import RegistrationRepository
from vaxel.switch.authn import Authenticator, Challenge
from vaxel.switch.directory import Account, DirectoryCache
from vaxel.switch.writebehind import WriteBehind

log = logging.getLogger(__name__)

# What we can send a request over (the transport's socket kinds; no TLS, WebSocket or SCTP).
SENDABLE = ("udp", "tcp")
# A refresh that changes nothing but the expiry is persisted at most this often per binding.
PERSIST_REFRESH_EVERY = 60.0
PURGE_EVERY = 30.0


@dataclass(slots=True)
class Binding:
    """One contact of one account, as the registrar holds it (times in loop seconds)."""

    account_id: int
    contact: NameAddr
    uri: str  # the contact URI as text: the binding's key
    expires_at: float
    call_id: str
    cseq: int
    source: Peer
    user_agent: str = ""
    persisted_at: float = float("-inf")

    @property
    def q(self) -> float | None:
        return self.contact.q

    @property
    def target(self) -> Peer:
        """Where requests to this contact go. Over TCP: back over the phone's own connection
        (it may not accept new ones); over UDP: the Contact's address (RFC 3261 §8.1.2), so a
        REGISTER on behalf of another socket (SIPp, third-party registration) works.

        RFC 3261 §18.1.1 wants a request over 1300 bytes (the MTU unknown) on a congestion-
        controlled transport, and Linphone's INVITEs with many codecs are that large. We
        move to TCP only where the phone said or showed it takes TCP: a Contact with
        transport=tcp (we connect to it), or a phone registered over TCP (its connection).
        A phone registered over UDP with a plain Contact stays on UDP however large the
        request: many desk phones do not listen on TCP at all, and a TCP attempt to them
        costs the connect timeout (or a filtered SYN's silence) before §18.1.1's fallback to
        UDP, on every call; on a site LAN the IP fragments of a large datagram arrive.
        """
        if self.source.transport != "udp":
            return self.source
        uri = self.contact.uri
        if not isinstance(uri, SipUri):
            return self.source
        host, port = uri.host_port()
        transport = uri.transport or "udp"
        if transport != "udp":
            return Peer(transport, host, port)
        return Peer("udp", host, port)


@dataclass(frozen=True, slots=True)
class RegistrarPolicy:
    min_expires: int = 60
    max_expires: int = 3_600
    default_expires: int = 3_600
    # Bindings per account: each is one more INVITE per call. Past this the ones that expire
    # soonest make way (a softphone restarted on a new port leaves its old one behind).
    max_contacts: int = 10


class Registrar:
    """REGISTER handling and the in-memory binding table."""

    def __init__(
        self,
        endpoint: Endpoint,
        directory: DirectoryCache,
        auth: Authenticator,
        store: WriteBehind,
        *,
        policy: RegistrarPolicy | None = None,
        wallclock: Callable[[], datetime],
    ) -> None:
        self.endpoint = endpoint
        self.directory = directory
        self.auth = auth
        self.store = store
        self.policy = policy or RegistrarPolicy()
        self.wallclock = wallclock
        self.bindings: dict[int, dict[str, Binding]] = {}
        self._next_purge: float | None = None

    # -- the hot path ------------------------------------------------------------------------

    def handle(self, tx: ServerTransaction, request: Request, peer: Peer, now: float) -> None:
        """Answer a REGISTER."""
        if not isinstance(request.to.uri, SipUri):  # RFC 4475 §3.3.2: nothing to bind it to
            self._answer(tx, request, 400, "Bad To URI scheme", now)
            return
        verdict = self.auth.check(request, now, proxy=False)
        if isinstance(verdict, Challenge):
            self.endpoint.send_response(tx, verdict.response(request), now)
            return
        account = verdict
        to_uri = request.to.uri
        if not isinstance(to_uri, SipUri) or to_uri.user != account.username:
            self._answer(tx, request, 403, "Forbidden: not your address of record", now)
            return
        try:
            status = self._update(account, request, peer, now)
        except RemoteProtocolError as error:
            self._answer(tx, request, error.status_hint, error.reason, now)
            return
        if status is not None:
            code, reason, headers = status
            self.endpoint.send_response(tx, request.response(code, reason, headers=headers), now)
            return
        current = self.contacts_of(account.id, now)
        headers = [
            ("Contact", f"{b.contact};expires={max(0, int(b.expires_at - now))}") for b in current
        ]
        headers.append(("Date", self.wallclock().strftime("%a, %d %b %Y %H:%M:%S GMT")))
        self.endpoint.send_response(tx, request.response(200, "OK", headers=headers), now)

    def _answer(
        self, tx: ServerTransaction, request: Request, status: int, reason: str, now: float
    ) -> None:
        self.endpoint.send_response(tx, request.response(status, reason), now)

    def _update(
        self, account: Account, request: Request, peer: Peer, now: float
    ) -> tuple[int, str, list[tuple[str, str]]] | None:
        """Apply the REGISTER's contacts; a (status, reason, headers) if it must be refused."""
        policy = self.policy
        mine = self.bindings.setdefault(account.id, {})
        call_id, cseq = request.call_id, request.cseq.seq
        header_expires = request.expires
        if request.contact_star:
            if header_expires != 0 or len(request.headers.get_all("Contact")) != 1:
                return 400, "Contact * needs Expires: 0 and no other Contact", []
            for binding in list(mine.values()):
                if binding.call_id == call_id and binding.cseq >= cseq:
                    return 500, "CSeq out of order", []
            for uri in list(mine):
                self._remove(account, uri)
            return None
        # (contact, its URI as text, the key of the binding it refreshes or None, expires)
        changes: list[tuple[NameAddr, str, str | None, int]] = []
        served: frozenset[str] | None = None
        for contact in request.contacts:
            expires = contact.expires
            if expires is None:
                expires = header_expires if header_expires is not None else policy.default_expires
            if 0 < expires < policy.min_expires:
                return 423, "Interval Too Brief", [("Min-Expires", str(policy.min_expires))]
            if expires > 0:
                served = served or self._served()
                why = _unreachable(contact, peer, served)
                if why is not None:
                    # A binding no call can reach only fails later, slowly (Timer B: 32 s of
                    # ringing nothing). §10.3 step 7 changes the bindings "if and only if all
                    # binding updates and additions succeed", and a 200 that left this one out
                    # reads as success to most phones: the whole REGISTER is refused, and the
                    # reason phrase names the contact and the defect (as a 400 does here for
                    # every request it cannot take). Removing such a contact is fine.
                    text = str(contact.uri)
                    text = text if len(text) <= 100 else text[:100] + "..."
                    return 400, f"Unreachable Contact {text}: {why}", []
            uri = str(contact.uri)
            key = _binding_key(mine, contact, uri)
            existing = None if key is None else mine[key]
            if existing is not None and existing.call_id == call_id and existing.cseq >= cseq:
                return 500, "CSeq out of order", []
            # An equivalent contact earlier in this request (§19.1.4) is the same binding:
            # the later one wins, or both would become bindings of their own.
            earlier = _same_contact(changes, contact, uri)
            if earlier is not None:
                key = key if key is not None else changes[earlier][2]
                del changes[earlier]
            changes.append((contact, uri, key, min(expires, policy.max_expires)))
        if sum(key is None and expires > 0 for _, _, key, expires in changes) > policy.max_contacts:
            return 403, f"Too many contacts (at most {policy.max_contacts})", []
        user_agent = request.headers.get("User-Agent") or ""
        for contact, uri, key, expires in changes:
            if expires == 0:
                if key is not None:
                    self._remove(account, key)
                continue
            bare = NameAddr(
                contact.display,
                contact.uri,
                {k: v for k, v in contact.params.items() if k not in ("expires",)},
            )
            old = None if key is None else mine.pop(key, None)
            binding = Binding(account.id, bare, uri, now + expires, call_id, cseq, peer, user_agent)
            if old is not None:
                binding.persisted_at = old.persisted_at
                if str(old.contact) != str(bare):  # stored under its text: a row of its own
                    self._unstore(account, old)
                    binding.persisted_at = float("-inf")
                elif old.source != peer:
                    binding.persisted_at = float("-inf")
            mine[uri] = binding
            if now - binding.persisted_at >= PERSIST_REFRESH_EVERY:
                binding.persisted_at = now
                self._persist(account, binding, now)
        if len(mine) > policy.max_contacts:
            self._make_room(account, mine, {uri for _, uri, _, expires in changes if expires})
        if not mine:
            self.bindings.pop(account.id, None)
        return None

    def _served(self) -> frozenset[str]:
        """The transports we can send over: those we listen on (both, before any is bound)."""
        bound = frozenset(transport for transport, _ in self.endpoint.local)
        return bound or frozenset(SENDABLE)

    def _make_room(self, account: Account, mine: dict[str, Binding], fresh: set[str]) -> None:
        """Drop the bindings that expire soonest (not those just registered) to the limit."""
        others = sorted((b for b in mine.values() if b.uri not in fresh), key=_expiry)
        for binding in others[: len(mine) - self.policy.max_contacts]:
            log.info(
                "registrar: %s has more than %d bindings; dropped %s",
                account.username,
                self.policy.max_contacts,
                binding.uri,
            )
            self._remove(account, binding.uri)

    def contacts_of(self, account_id: int, now: float) -> list[Binding]:
        """The live bindings of one account, highest q first."""
        mine = self.bindings.get(account_id)
        if not mine:
            return []
        live = [b for b in mine.values() if b.expires_at > now]
        live.sort(key=lambda b: -(b.q if b.q is not None else 1.0))
        return live

    # -- persistence -------------------------------------------------------------------------

    def _persist(self, account: Account, binding: Binding, now: float) -> None:
        wall = self.wallclock()
        stored = StoredBinding(
            account_id=account.id,
            aor=f"sip:{account.username}@{self.directory.realm}",
            contact=str(binding.contact),
            expires_at=wall + timedelta(seconds=binding.expires_at - now),
            updated_at=wall,
            call_id=binding.call_id,
            cseq=binding.cseq,
            q=binding.q,
            source=str(binding.source),
            transport=binding.source.transport,
            user_agent=binding.user_agent[:200],
        )

        def save(session: Session) -> None:
            RegistrationRepository(session).save(stored)

        self.store.submit(save, key=("binding", account.id, stored.contact))

    def _remove(self, account: Account, uri: str) -> None:
        binding = self.bindings.get(account.id, {}).pop(uri, None)
        if binding is not None:
            self._unstore(account, binding)

    def _unstore(self, account: Account, binding: Binding) -> None:
        contact = str(binding.contact)

        def remove(session: Session) -> None:
            RegistrationRepository(session).remove(account.id, contact)

        self.store.submit(remove, key=("binding", account.id, contact))

    def load(self, database: Database, now: float) -> int:
        """Read the bindings that have not expired (blocking; at start). Returns how many."""
        wall = self.wallclock()
        with database.session() as session:
            stored = RegistrationRepository(session).active(wall)
        count = 0
        for item in stored:
            try:
                contact = NameAddr.parse(item.contact)
                source = _peer_of(item.source, item.transport)
            except (RemoteProtocolError, ValueError):
                log.warning("ignoring a stored binding that does not parse: %r", item.contact)
                continue
            left = (item.expires_at - wall).total_seconds()
            uri = str(contact.uri)
            self.bindings.setdefault(item.account_id, {})[uri] = Binding(
                item.account_id,
                contact,
                uri,
                now + left,
                item.call_id,
                item.cseq,
                source,
                item.user_agent,
                persisted_at=now,
            )
            count += 1
        log.info("registrar: %d bindings restored from the database", count)
        return count

    # -- housekeeping ------------------------------------------------------------------------

    def get_timer(self) -> float | None:
        return self._next_purge

    def handle_timer(self, now: float) -> None:
        if self._next_purge is None:
            self._next_purge = now + PURGE_EVERY
            return
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY
        expired = 0
        for account_id in list(self.bindings):
            mine = self.bindings[account_id]
            for uri in [u for u, b in mine.items() if b.expires_at <= now]:
                del mine[uri]
                expired += 1
            if not mine:
                del self.bindings[account_id]
        if expired:
            wall = self.wallclock()

            def purge(session: Session) -> None:
                RegistrationRepository(session).purge_expired(wall)

            self.store.submit(purge, key="purge")

    def start_timer(self, now: float) -> None:
        self._next_purge = now + PURGE_EVERY


def _expiry(binding: Binding) -> float:
    return binding.expires_at


def _unreachable(contact: NameAddr, source: Peer, served: frozenset[str]) -> str | None:
    """Why no request of ours could reach `contact` (registered from `source`), or None."""
    uri = contact.uri
    if not isinstance(uri, SipUri):
        return f"{uri.scheme}: is not a SIP URI"
    if uri.scheme == "sips":
        return "sips: needs TLS, which this server does not offer"
    transport = uri.transport
    if transport is None or transport == source.transport:
        return None  # back the way the REGISTER came (over TCP, its very connection)
    if transport not in SENDABLE or transport not in served:
        return f"transport={transport} is not served here"
    return None


def _binding_key(mine: dict[str, Binding], contact: NameAddr, text: str) -> str | None:
    """The key of the binding `contact` refreshes or removes: its URI text, or an equivalent
    URI (RFC 3261 §10.3 step 7 compares by §19.1.4: host case, parameter order …)."""
    if text in mine:
        return text
    uri = contact.uri
    for key, binding in mine.items():
        if uri.equivalent(binding.contact.uri):
            return key
    return None


def _same_contact(
    changes: list[tuple[NameAddr, str, str | None, int]], contact: NameAddr, text: str
) -> int | None:
    """The index in `changes` of a contact equivalent to `contact` (RFC 3261 §19.1.4)."""
    uri = contact.uri
    for index, (other, other_text, _, _) in enumerate(changes):
        if other_text == text or uri.equivalent(other.uri):
            return index
    return None


def _peer_of(source: str, transport: str) -> Peer:
    """A Peer from "host:port" or "[v6]:port"."""
    if source.startswith("["):
        host, _, port = source[1:].partition("]:")
    else:
        host, _, port = source.rpartition(":")
    return Peer(transport or "udp", host, int(port))
