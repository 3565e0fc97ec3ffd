"""Message-waiting subscriptions as the switch's TU dispatches them (tu.py): SUBSCRIBE in and out
of a dialog, the phones' answers to our NOTIFYs (200, 481, none at all), the expiry on the TU's
timer, and what OPTIONS and 405 say is allowed. On the fake link, with a virtual clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from switchboard import REALM, Phone, Switchboard

from vaxel.domain.voicemail import Mailbox
from vaxel.sip.dialog import Dialog
from vaxel.sip.message import Request, Response
from vaxel.switch.apps.mwi import message_summary
from vaxel.switch.subscriptions import Subscriptions

BOXES = {"1001": Mailbox(1, "1001", 1), "1002": Mailbox(2, "1002", 2)}
EVENT = [("Event", "message-summary"), ("Accept", "application/simple-message-summary")]


class Board(Switchboard):
    """The switchboard on the fake link, serving message-summary through its TU."""

    def __init__(self) -> None:
        super().__init__()
        self.counts = {"1001": (1, 0), "1002": (0, 0)}
        self.reads = 0
        self.subscriptions = Subscriptions(
            self.endpoint,
            self.auth,
            mailbox=BOXES.get,
            own_mailbox=lambda person: {1: "1001", 2: "1002"}.get(person),
            summary=self.summary,
            flush=self.flush,
            clock=lambda: self.now,
        )
        self.tu.subscriptions = self.subscriptions
        self.summary_gate: asyncio.Event | None = None

    async def summary(self, extension: str) -> str:
        self.reads += 1
        if self.summary_gate is not None:
            await self.summary_gate.wait()
        new, old = self.counts[extension]
        return message_summary(new, old)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=10))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def notifies(phone: Phone) -> list[Request]:
    return [m for m in phone.take() if isinstance(m, Request) and m.method == "NOTIFY"]


def answered(phone: Phone) -> Response:
    """The last response the phone got (what the TU answered)."""
    found = [m for m in phone.inbox if isinstance(m, Response)]
    assert found, f"no response; got {phone.got()}"
    return found[-1]


def subscribe(phone: Phone, expires: int = 600) -> tuple[Request, Response]:
    """SUBSCRIBE to the phone's own box, answering the 401; the request and the 200."""
    uri = f"sip:{phone.user}@{REALM}"
    headers = [*EVENT, ("Expires", str(expires))]
    first = phone.request("SUBSCRIBE", uri, call_id=f"mwi-{phone.user}", headers=headers)
    phone.send(first)
    challenge = phone.last("401")
    assert isinstance(challenge, Response)
    auth = phone.credentials(challenge, first, "WWW-Authenticate")
    second = phone.request("SUBSCRIBE", uri, call_id=first.call_id, cseq=2,
                           headers=[*headers, ("Authorization", auth)])  # fmt: skip
    phone.send(second)
    ok = phone.last("200")
    assert isinstance(ok, Response)
    return second, ok


def in_dialog(phone: Phone, dialog: Dialog, expires: int) -> Response:
    phone.send(dialog.create_request("SUBSCRIBE", [*EVENT, ("Expires", str(expires))]))
    return answered(phone)


def test_the_tu_routes_subscribe_refresh_and_unsubscribe() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        request, ok = subscribe(desk)
        assert ok.status == 200 and ok.headers.get("Expires") == "600"
        assert ok.to.tag is not None
        await settle()
        [first] = notifies(desk)
        assert first.call_id == request.call_id and first.to.tag == request.from_.tag
        assert (first.headers.get("Subscription-State") or "").startswith("active;expires=")
        assert first.body == message_summary(1, 0).encode()
        desk.send(first.response(200))  # through the TU: taken by the subscription
        assert board.subscriptions.notify_txs == {}
        assert board.lost == [] and desk.take() == []

        board.subscriptions.message_waiting("1001", message_summary(0, 1))
        [change] = notifies(desk)
        assert b"Voice-Message: 0/1" in change.body
        desk.send(change.response(200))

        dialog = Dialog.from_uac(request, ok)
        board.now += 100
        refreshed = in_dialog(desk, dialog, 900)
        assert refreshed.status == 200 and refreshed.headers.get("Expires") == "900"
        await settle()
        [again] = notifies(desk)  # RFC 6665 §4.2.1.2: a refresh is answered with the state
        assert again.cseq.seq > change.cseq.seq
        desk.send(again.response(200))
        # The TU's timer is the subscription's new end, not the old one.
        assert board.tu.get_timer() == pytest.approx(board.now + 900)

        gone = in_dialog(desk, dialog, 0)
        assert gone.status == 200
        await settle()
        [last] = notifies(desk)
        assert last.headers.get("Subscription-State") == "terminated;reason=timeout"
        desk.send(last.response(200))
        assert board.tu.get_timer() is None
        board.subscriptions.message_waiting("1001", message_summary(3, 1))
        assert notifies(desk) == []
        # A refresh of a subscription that is over: no such dialog (481).
        assert in_dialog(desk, dialog, 600).status == 481

    run(main)


def test_other_events_get_489_with_allow_events() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        for headers in ([("Event", "presence")], [("Event", "dialog;id=7")], []):
            desk.send(desk.request("SUBSCRIBE", f"sip:1001@{REALM}", headers=headers))
            refused = answered(desk)
            assert refused.status == 489, headers
            assert refused.headers.get("Allow-Events") == "message-summary"
        assert board.subscriptions.by_dialog == {}

    run(main)


def test_allow_names_subscribe_only_where_it_is_served() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        desk.send(desk.request("OPTIONS", f"sip:{REALM}"))
        options = answered(desk)
        assert options.status == 200
        allowed = [m.strip() for m in (options.headers.get("Allow") or "").split(",")]
        assert "SUBSCRIBE" in allowed and "INVITE" in allowed
        assert options.headers.get("Allow-Events") == "message-summary"
        desk.send(desk.request("PUBLISH", f"sip:1001@{REALM}"))
        refused = answered(desk)
        assert refused.status == 405 and "SUBSCRIBE" in (refused.headers.get("Allow") or "")

        plain = Switchboard()  # the switch alone (python -m vaxel.switch.server): no MWI
        phone = plain.phone("1001", 5070)
        phone.send(phone.request("OPTIONS", f"sip:{REALM}"))
        options = answered(phone)
        assert "SUBSCRIBE" not in (options.headers.get("Allow") or "")
        assert options.headers.get("Allow-Events") is None
        phone.send(phone.request("SUBSCRIBE", f"sip:1001@{REALM}", headers=EVENT))
        refused = answered(phone)
        assert refused.status == 405 and "SUBSCRIBE" not in (refused.headers.get("Allow") or "")

    run(main)


def test_a_481_to_a_notify_ends_the_subscription() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        subscribe(desk)
        await settle()
        [first] = notifies(desk)
        desk.send(first.response(481))
        assert board.subscriptions.by_dialog == {} and board.subscriptions.by_mailbox == {}
        assert board.tu.get_timer() is None
        board.subscriptions.message_waiting("1001", message_summary(2, 0))
        assert notifies(desk) == []

    run(main)


def test_an_unanswered_notify_ends_the_subscription() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        subscribe(desk)
        await settle()
        [first] = notifies(desk)  # never answered: retransmitted until Timer F (32 s)
        board.advance(31)
        assert board.subscriptions.by_dialog != {}
        retransmitted = notifies(desk)
        assert retransmitted and all(n.cseq == first.cseq for n in retransmitted)
        board.advance(2)
        assert board.subscriptions.by_dialog == {} and board.subscriptions.notify_txs == {}
        assert all(n.cseq == first.cseq for n in notifies(desk))  # the last retransmission
        board.subscriptions.message_waiting("1001", message_summary(2, 0))
        assert notifies(desk) == []

    run(main)


def test_a_subscription_expires_on_the_tu_timer() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        start = board.now
        subscribe(desk, expires=120)
        await settle()
        [first] = notifies(desk)
        desk.send(first.response(200))
        assert board.tu.get_timer() == pytest.approx(start + 120)
        board.advance(119)
        assert board.subscriptions.by_dialog != {}
        board.advance(2)  # the TU's timer fires the expiry
        await settle()
        [last] = notifies(desk)
        assert last.headers.get("Subscription-State") == "terminated;reason=timeout"
        assert last.body == message_summary(1, 0).encode()
        assert board.subscriptions.by_dialog == {}

    run(main)


def test_a_change_while_the_counts_are_read_is_not_undone() -> None:
    """The first NOTIFY's body is read in a worker thread; if the counts change meanwhile, the
    NOTIFY of the change goes out, and the older body after it must not."""

    async def main() -> None:
        board = Board()
        board.summary_gate = asyncio.Event()
        desk = board.phone("1001", 5070)
        subscribe(desk)
        await settle()
        assert board.reads == 1 and notifies(desk) == []
        board.counts["1001"] = (2, 0)
        board.subscriptions.message_waiting("1001", message_summary(2, 0))
        [change] = notifies(desk)
        board.summary_gate.set()
        await settle()
        assert notifies(desk) == []  # the stale (1/0) body is not sent after the 2/0
        assert b"Voice-Message: 2/0" in change.body

    run(main)


def test_unsubscribing_while_the_counts_are_read_sends_one_last_notify() -> None:
    async def main() -> None:
        board = Board()
        board.summary_gate = asyncio.Event()
        desk = board.phone("1001", 5070)
        request, ok = subscribe(desk)
        await settle()
        assert in_dialog(desk, Dialog.from_uac(request, ok), 0).status == 200
        board.summary_gate.set()
        await settle()
        states = [n.headers.get("Subscription-State") for n in notifies(desk)]
        assert states == ["terminated;reason=timeout"]

    run(main)
