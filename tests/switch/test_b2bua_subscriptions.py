"""Message-waiting subscriptions (RFC 6665 / RFC 3842) on the fake link: who may subscribe,
the NOTIFY at once and on every change, refresh, unsubscribe and expiry."""

from __future__ import annotations

import asyncio

from switchboard import REALM, Phone, Switchboard

from vaxel.domain.voicemail import Mailbox
from vaxel.sip.dialog import Dialog
from vaxel.sip.endpoint import RequestReceived, ResponseReceived
from vaxel.sip.message import Request, Response
from vaxel.switch.apps.mwi import message_summary
from vaxel.switch.subscriptions import Subscriptions

BOXES = {"1001": Mailbox(1, "1001", 1), "1002": Mailbox(2, "1002", 2)}


class Board(Switchboard):
    """The switchboard with a Subscriptions beside the TU (as tu.py dispatches to it)."""

    def __init__(self) -> None:
        super().__init__()
        self.counts = {"1001": (1, 0), "1002": (0, 0)}
        self.subscriptions = Subscriptions(
            self.endpoint,
            self.auth,
            mailbox=BOXES.get,
            own_mailbox=lambda person: {1: "1001", 2: "1002"}.get(person),
            summary=self._summary,
            flush=self.flush,
            clock=lambda: self.now,
        )

    async def _summary(self, extension: str) -> str:
        new, old = self.counts[extension]
        return message_summary(new, old)

    def deliver(self, data: bytes, source: object) -> None:
        events = self.endpoint.receive(data, source, self.now)  # type: ignore[arg-type]
        rest = []
        for event in events:
            if isinstance(event, RequestReceived) and event.request.method == "SUBSCRIBE":
                request = event.request
                if request.to.tag is None:
                    self.subscriptions.subscribe(event.tx, request, event.peer, self.now)
                elif not self.subscriptions.in_dialog(event.tx, request, event.peer, self.now):
                    self.endpoint.send_response(event.tx, request.response(481), self.now)
            elif isinstance(event, ResponseReceived) and self.subscriptions.response(
                event.tx, event.response, self.now
            ):
                continue
            else:
                rest.append(event)
        self.tu.handle_events(rest, self.now)
        self.flush()


def subscribe(phone: Phone, user: str, expires: int = 600) -> tuple[Request, Response]:
    uri = f"sip:{user}@{REALM}"
    headers = [("Event", "message-summary"), ("Expires", str(expires)),
               ("Accept", "application/simple-message-summary")]  # fmt: skip
    first = phone.request("SUBSCRIBE", uri, call_id=f"mwi-{phone.user}-{user}", headers=headers)
    phone.send(first)
    challenge = phone.last("401")
    assert isinstance(challenge, Response)
    auth = phone.credentials(challenge, first, "WWW-Authenticate")
    second = phone.request("SUBSCRIBE", uri, call_id=first.call_id, cseq=2,
                           headers=[*headers, ("Authorization", auth)])  # fmt: skip
    phone.send(second)
    answer = phone.inbox[-1] if phone.got()[-1] != "NOTIFY" else phone.last("200")
    assert isinstance(answer, Response)
    return second, answer


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def notifies(phone: Phone) -> list[Request]:
    return [m for m in phone.take() if isinstance(m, Request) and m.method == "NOTIFY"]


def test_the_owner_subscribes_and_is_notified_at_once_and_on_change() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        request, ok = subscribe(desk, "1001")
        assert ok.status == 200 and ok.headers.get("Expires") == "600"
        await settle()
        [first] = notifies(desk)
        assert first.headers.get("Event") == "message-summary"
        assert (first.headers.get("Subscription-State") or "").startswith("active;expires=")
        assert first.body == b"Messages-Waiting: yes\r\nVoice-Message: 1/0 (0/0)\r\n"
        desk.send(first.response(200))
        board.subscriptions.message_waiting("1001", message_summary(0, 1))
        [change] = notifies(desk)
        assert b"Messages-Waiting: no" in change.body and b"0/1" in change.body
        assert change.cseq.seq > first.cseq.seq
        # Unsubscribe: 200, then a last NOTIFY that says the subscription is over.
        dialog = Dialog.from_uac(request, ok)
        desk.send(dialog.create_request("SUBSCRIBE", [("Event", "message-summary"),
                                                      ("Expires", "0")]))  # fmt: skip
        assert desk.got()[-1] == "200"
        await settle()
        [last] = notifies(desk)
        assert last.headers.get("Subscription-State") == "terminated;reason=timeout"
        board.subscriptions.message_waiting("1001", message_summary(2, 1))
        assert notifies(desk) == []

    asyncio.run(main())


def test_the_account_itself_means_its_own_box() -> None:
    async def main() -> None:
        board = Board()
        soft = board.phone("1002b", 5081)  # the second device of person 2
        _, ok = subscribe(soft, "1002b")
        assert ok.status == 200
        await settle()
        [first] = notifies(soft)
        assert b"Voice-Message: 0/0" in first.body

    asyncio.run(main())


def test_another_persons_box_and_other_events_are_refused() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        _, refused = subscribe(desk, "1002")
        assert refused.status == 403
        _, missing = subscribe(desk, "1999")
        assert missing.status == 404
        presence = desk.request("SUBSCRIBE", f"sip:1001@{REALM}", headers=[("Event", "presence")])
        desk.send(presence)
        assert desk.got()[-1] == "489"

    asyncio.run(main())


def test_a_subscription_expires_with_a_last_notify() -> None:
    async def main() -> None:
        board = Board()
        desk = board.phone("1001", 5070)
        _, _ok = subscribe(desk, "1001", expires=120)
        await settle()
        notifies(desk)
        board.now += 121
        board.subscriptions.handle_timer(board.now)
        await settle()
        [last] = notifies(desk)
        assert last.headers.get("Subscription-State") == "terminated;reason=timeout"
        assert board.subscriptions.get_timer() is None
        short = desk.request("SUBSCRIBE", f"sip:1001@{REALM}",
                             headers=[("Event", "message-summary"), ("Expires", "5")])  # fmt: skip
        desk.send(short)
        challenge = desk.last("401")
        assert isinstance(challenge, Response)

    asyncio.run(main())
