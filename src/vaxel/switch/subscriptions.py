"""Message-waiting subscriptions (RFC 6665 SUBSCRIBE/NOTIFY, RFC 3842 message-summary).

A phone subscribes to its owner's mailbox: `SUBSCRIBE sip:<extension or account>@realm` with
`Event: message-summary`, authenticated like a REGISTER (401). Only the mailbox owner's own
SIP accounts may subscribe (the directory in memory says who owns which box, so nothing
waits on the database). The subscription is a dialog: 200 OK, then at once a NOTIFY with the
counts (`apps.mwi.message_summary`, read in a worker thread), then one NOTIFY whenever the
counts change (`MwiNotifier.message_waiting`), until it expires or the phone unsubscribes
(Expires: 0), which is answered with a last NOTIFY saying "terminated". A NOTIFY answered with
481 (or 404, 405, 408, 410, 489, 501), or never answered (Timer F), ends the subscription
without one (RFC 6665 §4.2.2).

`switch.tu.SwitchTU` hands it the SUBSCRIBEs, the NOTIFY responses and timeouts, and its
expiry timer (`get_timer`/`handle_timer`, time as `now`); `SipServer.serve_message_summary`
builds it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from vaxel.domain.voicemail import Mailbox
from vaxel.sip.dialog import Dialog, DialogId, new_tag
from vaxel.sip.endpoint import Endpoint, Peer
from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.message import Request, Response
from vaxel.sip.transaction import ClientTransaction, ServerTransaction
from vaxel.sip.uri import SipUri
from vaxel.switch.authn import Authenticator, Challenge
from vaxel.switch.directory import Account
from vaxel.switch.media_leg import UNSPECIFIED, facing_address

log = logging.getLogger(__name__)

EVENT = "message-summary"
CONTENT_TYPE = "application/simple-message-summary"
ALLOW_EVENTS = EVENT


@dataclass(frozen=True, slots=True)
class SubscriptionPolicy:
    min_expires: int = 60
    max_expires: int = 3600
    default_expires: int = 3600


@dataclass(eq=False)
class Subscription:
    extension: str  # the mailbox
    account: Account
    dialog: Dialog
    peer: Peer
    expires_at: float
    event_id: str | None = None
    active: bool = True
    notifies: int = field(default=0)

    @property
    def event(self) -> str:
        return EVENT if self.event_id is None else f"{EVENT};id={self.event_id}"


def _event(request: Request) -> tuple[str, str | None] | None:
    """(package, id) of the Event header, or None without one."""
    value = request.headers.get("Event") or request.headers.get("o")
    if value is None:
        return None
    package, *params = (part.strip() for part in value.split(";"))
    event_id = None
    for param in params:
        name, _, rest = param.partition("=")
        if name.strip().lower() == "id":
            event_id = rest.strip()
    return package.lower(), event_id


class Subscriptions:
    """Every message-summary subscription, and the NOTIFYs; see the module docstring."""

    def __init__(
        self,
        endpoint: Endpoint,
        auth: Authenticator,
        *,
        mailbox: Callable[[str], Mailbox | None],
        own_mailbox: Callable[[int], str | None],
        summary: Callable[[str], Awaitable[str]],
        flush: Callable[[], None] = lambda: None,
        clock: Callable[[], float] | None = None,
        policy: SubscriptionPolicy | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.auth = auth
        self.mailbox = mailbox  # extension -> the mailbox, from the directory in memory
        self.own_mailbox = own_mailbox  # person id -> their mailbox's extension
        self.summary = summary  # extension -> the message-summary body (from storage)
        self.flush = flush
        self.clock = clock or (lambda: asyncio.get_running_loop().time())
        self.policy = policy or SubscriptionPolicy()
        self.by_dialog: dict[DialogId, Subscription] = {}
        self.by_mailbox: dict[str, list[Subscription]] = {}
        self.notify_txs: dict[ClientTransaction, Subscription] = {}
        self._expiries: list[tuple[float, int, Subscription]] = []
        self._seq = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- from the TU ----------------------------------------------------------------------------

    def subscribe(self, tx: ServerTransaction, request: Request, peer: Peer, now: float) -> None:
        """A SUBSCRIBE outside a dialog: authenticate, check the event and the owner, 200."""
        event = _event(request)
        if event is None or event[0] != EVENT:
            headers = [("Allow-Events", ALLOW_EVENTS)]
            self.endpoint.send_response(tx, request.response(489, headers=headers), now)
            return
        verdict = self.auth.check(request, now, proxy=False)
        if isinstance(verdict, Challenge):
            self.endpoint.send_response(tx, verdict.response(request), now)
            return
        extension = self._mailbox_for(request, verdict)
        box = None if extension is None else self.mailbox(extension)
        if extension is None or box is None:
            self.endpoint.send_response(tx, request.response(404, "No such mailbox"), now)
            return
        if box.person_id != verdict.person_id:
            self.endpoint.send_response(tx, request.response(403, "Not your mailbox"), now)
            return
        expires = self._expires(tx, request, now)
        if expires is None:
            return
        headers = [("Contact", self._contact(peer)), ("Expires", str(expires))]
        ok = request.response(200, to_tag=new_tag(), headers=headers)
        try:
            dialog = Dialog.from_uas(request, ok, via=self._via(peer))
        except RemoteProtocolError as error:
            self.endpoint.send_response(tx, request.response(400, error.reason), now)
            return
        self.endpoint.send_response(tx, ok, now)
        subscription = Subscription(extension, verdict, dialog, peer, now + expires, event[1])
        if expires == 0:  # a fetch: one NOTIFY, then it is over
            subscription.active = False
        else:
            self.by_dialog[dialog.id] = subscription
            self.by_mailbox.setdefault(extension, []).append(subscription)
            self._arm(subscription)
        self._first_notify(subscription)

    def in_dialog(self, tx: ServerTransaction, request: Request, peer: Peer, now: float) -> bool:
        """A SUBSCRIBE (refresh, or Expires: 0) in one of our dialogs; False if not ours."""
        subscription = self.by_dialog.get(DialogId.of_request(request))  # type: ignore[arg-type]
        if subscription is None:
            return False
        if request.method != "SUBSCRIBE":
            allow = [("Allow", "SUBSCRIBE")]
            self.endpoint.send_response(tx, request.response(405, headers=allow), now)
            return True
        try:
            subscription.dialog.receive_request(request)
        except RemoteProtocolError as error:
            self.endpoint.send_response(tx, request.response(error.status_hint, error.reason), now)
            return True
        expires = self._expires(tx, request, now)
        if expires is None:
            return True
        headers = [("Contact", self._contact(peer)), ("Expires", str(expires))]
        self.endpoint.send_response(tx, request.response(200, headers=headers), now)
        if expires == 0:
            self._end(subscription, now, "timeout")
        else:
            subscription.expires_at = now + expires
            self._arm(subscription)
            self._first_notify(subscription)  # RFC 6665 §4.2.1.2: a refresh gets a NOTIFY
        return True

    def response(self, tx: ClientTransaction, response: Response, now: float) -> bool:
        """A response to one of our NOTIFYs; False if it is not one."""
        subscription = self.notify_txs.get(tx)
        if subscription is None:
            return False
        if response.status >= 200:
            del self.notify_txs[tx]
        if response.status in (404, 405, 408, 410, 481, 489, 501):
            log.info("subscription of %s for %s ended by a %d", subscription.account.username,
                     subscription.extension, response.status)  # fmt: skip
            self._forget(subscription)
        return True

    def timeout(self, tx: ClientTransaction) -> bool:
        """A NOTIFY went unanswered (Timer F) or could not be sent: the phone is gone."""
        subscription = self.notify_txs.pop(tx, None)
        if subscription is None:
            return False
        log.info("subscription of %s for %s ended: a NOTIFY went unanswered",
                 subscription.account.username, subscription.extension)  # fmt: skip
        self._forget(subscription)
        return True

    def ended(self, tx: ClientTransaction) -> None:
        """A client transaction is gone: forget it if it was a NOTIFY of ours."""
        self.notify_txs.pop(tx, None)

    # -- MwiNotifier -----------------------------------------------------------------------------

    def message_waiting(self, extension: str, body: str) -> None:
        """The counts of a mailbox changed: NOTIFY every subscription to it."""
        now = self.clock()
        for subscription in list(self.by_mailbox.get(extension, ())):
            self._notify(subscription, body, now)
        self.flush()

    # -- timers ----------------------------------------------------------------------------------

    def get_timer(self) -> float | None:
        heap = self._expiries
        while heap and (not heap[0][2].active or heap[0][0] != heap[0][2].expires_at):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def handle_timer(self, now: float) -> None:
        heap = self._expiries
        while heap and heap[0][0] <= now:
            at, _, subscription = heapq.heappop(heap)
            if subscription.active and at == subscription.expires_at:
                self._end(subscription, now, "timeout")

    # -- inside ----------------------------------------------------------------------------------

    def _mailbox_for(self, request: Request, account: Account) -> str | None:
        uri = request.uri
        user = uri.user if isinstance(uri, SipUri) else None
        if user is None or user == account.username:
            return self.own_mailbox(account.person_id)  # "my own box"
        return user

    def _expires(self, tx: ServerTransaction, request: Request, now: float) -> int | None:
        policy = self.policy
        asked = request.expires
        expires = policy.default_expires if asked is None else min(asked, policy.max_expires)
        if 0 < expires < policy.min_expires:
            headers = [("Min-Expires", str(policy.min_expires))]
            self.endpoint.send_response(tx, request.response(423, headers=headers), now)
            return None
        return expires

    def _arm(self, subscription: Subscription) -> None:
        heapq.heappush(self._expiries, (subscription.expires_at, next(self._seq), subscription))

    def _first_notify(self, subscription: Subscription) -> None:
        sent_before, was_active = subscription.notifies, subscription.active

        async def send() -> None:
            try:
                body = await self.summary(subscription.extension)
            except Exception:
                log.exception("message summary of %s could not be read", subscription.extension)
                return
            if subscription.notifies != sent_before:
                # The counts changed while they were read, and that NOTIFY (newer than this
                # body, perhaps) has gone out already: sending this one could undo it.
                return
            if was_active and not subscription.active:
                return  # ended meanwhile: the phone unsubscribed, or answered 481
            self._notify(subscription, body, self.clock(), final=not subscription.active)
            self.flush()

        task = asyncio.get_running_loop().create_task(send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _notify(
        self,
        subscription: Subscription,
        body: str,
        now: float,
        *,
        final: bool = False,
        reason: str = "timeout",
    ) -> None:
        left = max(0, int(subscription.expires_at - now))
        state = f"terminated;reason={reason}" if final or not left else f"active;expires={left}"
        headers = [
            ("Event", subscription.event),
            ("Subscription-State", state),
            ("Content-Type", CONTENT_TYPE),
        ]
        try:
            notify = subscription.dialog.create_request("NOTIFY", headers, body.encode())
        except LocalProtocolError:
            return
        tx = self.endpoint.send_request(notify, subscription.peer, now)
        subscription.notifies += 1
        if tx is not None:
            self.notify_txs[tx] = subscription

    def _end(self, subscription: Subscription, now: float, reason: str) -> None:
        """Expired or unsubscribed: a last NOTIFY that says so, with the counts."""
        self._forget(subscription)

        async def send() -> None:
            try:
                body = await self.summary(subscription.extension)
            except Exception:
                body = ""
            self._notify(subscription, body, self.clock(), final=True, reason=reason)
            self.flush()

        task = asyncio.get_running_loop().create_task(send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _forget(self, subscription: Subscription) -> None:
        subscription.active = False
        self.by_dialog.pop(subscription.dialog.id, None)
        mine = self.by_mailbox.get(subscription.extension, [])
        if subscription in mine:
            mine.remove(subscription)
        if not mine:
            self.by_mailbox.pop(subscription.extension, None)

    def _local(self, peer: Peer) -> str:
        host, port = self.endpoint.local_address(peer)
        if host in UNSPECIFIED:
            host = facing_address(peer.host)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def _contact(self, peer: Peer) -> str:
        transport = "" if peer.transport == "udp" else f";transport={peer.transport}"
        return f"<sip:vaxel@{self._local(peer)}{transport}>"

    def _via(self, peer: Peer) -> str:
        return f"SIP/2.0/{peer.transport.upper()} {self._local(peer)};rport"
