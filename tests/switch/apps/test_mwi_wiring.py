"""Message-waiting as `vaxel.app.build_switchboard` wires it, in one process: a real SipServer on
a loopback UDP port, the apps on a real database, and a phone that is a UDP socket of the
test's own. A message stored, heard or deleted (as the web and the phone menu do it: through
the repository, so the change feed fires) reaches the subscribed phone as a NOTIFY."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import cast

from callkit import Kommun

from vaxel.app import build_switchboard
from vaxel.config import Config, Listen
from vaxel.domain.accounts import DeviceKind, digest_ha1
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Channel
from vaxel.sip.auth import expected_response, parse_credentials
from vaxel.sip.dialog import Dialog
from vaxel.sip.message import Request, Response, SipMessage, parse_message
from vaxel.sip.transaction import new_branch
from vaxel.storage import Database
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.server import SipServer, SwitchSettings

REALM = "mwi.test"
PASSWORD = "mwi-wiring-secret-{user}"
WAIT = 5.0  # seconds for any one message to arrive
EVENT = [("Event", "message-summary"), ("Accept", "application/simple-message-summary")]


def password(user: str) -> str:
    return PASSWORD.format(user=user[::-1] + "x")


class UdpPhone(asyncio.DatagramProtocol):
    """A SIP phone that is a UDP socket: it sends what the test builds, and keeps what comes."""

    def __init__(self, user: str, server: tuple[str, int]) -> None:
        self.user = user
        self.server = server
        self.inbox: asyncio.Queue[SipMessage] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0

    @classmethod
    async def open(cls, user: str, server_port: int) -> UdpPhone:
        loop = asyncio.get_running_loop()
        _, phone = await loop.create_datagram_endpoint(
            lambda: cls(user, ("127.0.0.1", server_port)), local_addr=("127.0.0.1", 0)
        )
        return phone

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)
        self.port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.inbox.put_nowait(parse_message(data))

    def send(self, message: SipMessage) -> None:
        assert self.transport is not None
        self.transport.sendto(message.to_bytes(), self.server)

    async def next(self) -> SipMessage:
        return await asyncio.wait_for(self.inbox.get(), WAIT)

    async def notify(self) -> Request:
        """The next NOTIFY, answered 200 at once."""
        message = await self.next()
        assert isinstance(message, Request) and message.method == "NOTIFY", message
        self.send(message.response(200))
        return message

    async def subscribe(self, box: str) -> tuple[Request, Response]:
        """SUBSCRIBE to `box`, answering the 401 with this account's digest."""
        uri = f"sip:{box}@{REALM}"
        call_id = f"mwi-{self.user}-{box}"
        first = self.request("SUBSCRIBE", uri, call_id, 1, [*EVENT, ("Expires", "600")])
        self.send(first)
        challenge = await self.next()
        assert isinstance(challenge, Response) and challenge.status == 401, challenge
        header = next(v for v in challenge.headers.values("WWW-Authenticate") if "MD5" in v)
        nonce = re.search(r'nonce="([^"]+)"', header)
        assert nonce is not None
        draft = (
            f'Digest username="{self.user}", realm="{REALM}", nonce="{nonce.group(1)}", '
            f'uri="{uri}", response="0", algorithm=MD5, qop=auth, nc=00000001, cnonce="c"'
        )
        ha1 = digest_ha1(self.user, REALM, password(self.user), "MD5")
        answer = expected_response(parse_credentials(draft), "SUBSCRIBE", ha1)
        auth = draft.replace('response="0"', f'response="{answer}"')
        second = self.request(
            "SUBSCRIBE", uri, call_id, 2, [*EVENT, ("Expires", "600"), ("Authorization", auth)]
        )
        self.send(second)
        answered = await self.next()
        assert isinstance(answered, Response), answered
        return second, answered

    def request(
        self, method: str, uri: str, call_id: str, cseq: int, headers: list[tuple[str, str]]
    ) -> Request:
        return Request.create(
            method,
            uri,
            [
                ("Via", f"SIP/2.0/UDP 127.0.0.1:{self.port};branch={new_branch()};rport"),
                ("Max-Forwards", "70"),
                ("From", f"<sip:{self.user}@{REALM}>;tag=t{self.user}"),
                ("To", f"<{uri}>"),
                ("Call-ID", call_id),
                ("CSeq", f"{cseq} {method}"),
                ("Contact", f"<sip:{self.user}@127.0.0.1:{self.port}>"),
                *headers,
            ],
        )


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=30))


def test_stored_heard_and_deleted_messages_reach_the_subscribed_phone(
    db: Database, kommun: Kommun, tmp_path: Path
) -> None:
    with db.session() as session:
        accounts = AccountRepository(session)
        for user, person in (("4123", kommun.anna), ("4200", kommun.olle)):
            accounts.create(user, person.id, DeviceKind.SOFTPHONE, REALM,
                            password(user), actor="t", channel=Channel.CLI)  # fmt: skip
    config = Config(data_dir=tmp_path, sip=Listen("127.0.0.1", 0), realm=REALM)
    box = kommun.anna_box

    def store() -> int:
        with db.session() as session:
            now = datetime.now(TZ)
            return VoicemailRepository(session).add_message(box.id, "4200", now, 5.0, "m.wav").id

    def heard(message_id: int) -> None:
        with db.session() as session:
            VoicemailRepository(session).mark_heard(message_id, actor="anna", channel=Channel.WEB)

    def delete(message_id: int) -> None:
        with db.session() as session:
            VoicemailRepository(session).delete_message(
                message_id, actor="anna", channel=Channel.PHONE
            )

    async def main() -> None:
        server = SipServer(config, db, SwitchSettings(tcp=False))
        switchboard = build_switchboard(config, db, server)
        assert switchboard.mwi.notifier is server.subscriptions is server.tu.subscriptions
        phones: list[UdpPhone] = []
        try:
            await switchboard.start()
            await server.start()
            anna = await UdpPhone.open("4123", server.port)
            olle = await UdpPhone.open("4200", server.port)
            phones += (anna, olle)
            # Someone else's box: refused, after authentication.
            _, refused = await olle.subscribe(box.extension)
            assert refused.status == 403

            request, ok = await anna.subscribe(box.extension)
            assert ok.status == 200 and ok.headers.get("Expires") == "600"
            first = await anna.notify()
            assert (first.headers.get("Subscription-State") or "").startswith("active")
            assert first.headers.get("Content-Type") == "application/simple-message-summary"
            assert first.body == b"Messages-Waiting: no\r\nVoice-Message: 0/0 (0/0)\r\n"

            message_id = await asyncio.to_thread(store)
            left = await anna.notify()
            assert left.body == b"Messages-Waiting: yes\r\nVoice-Message: 1/0 (0/0)\r\n"

            await asyncio.to_thread(heard, message_id)
            listened = await anna.notify()
            assert listened.body == b"Messages-Waiting: no\r\nVoice-Message: 0/1 (0/0)\r\n"

            await asyncio.to_thread(delete, message_id)
            deleted = await anna.notify()
            assert deleted.body == b"Messages-Waiting: no\r\nVoice-Message: 0/0 (0/0)\r\n"
            assert first.cseq.seq < left.cseq.seq < listened.cseq.seq < deleted.cseq.seq

            # Unsubscribe: 200, then the last NOTIFY.
            bye = Dialog.from_uac(request, ok).create_request(
                "SUBSCRIBE", [*EVENT, ("Expires", "0")]
            )
            anna.send(bye)
            gone = await anna.next()
            assert isinstance(gone, Response) and gone.status == 200
            last = await anna.notify()
            assert (last.headers.get("Subscription-State") or "").startswith("terminated")
            assert server.subscriptions is not None and server.subscriptions.by_dialog == {}
            assert anna.inbox.empty() and olle.inbox.empty()
        finally:
            for phone in phones:
                if phone.transport is not None:
                    phone.transport.close()
            await server.stop()
            await switchboard.stop()

    run(main)
