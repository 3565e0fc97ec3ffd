"""The switch's SIP core on a fake link: real Endpoint, registrar, B2BUA and TU; phones scripted
with vaxel.sip itself (requests, responses, dialogs); a virtual clock; no sockets."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from vaxel.domain.accounts import digest_ha1
from vaxel.domain.calls import CallRecord
from vaxel.domain.clock import TZ
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
from vaxel.sip.auth import DigestChallenger, expected_response, parse_credentials
from vaxel.sip.dialog import Dialog
from vaxel.sip.endpoint import Endpoint, Peer
from vaxel.sip.message import Request, Response, SipMessage, parse_message
from vaxel.sip.transaction import new_branch
from vaxel.switch.authn import Authenticator
from vaxel.switch.b2bua import B2bua
from vaxel.switch.directory import Account, DirectoryCache, build_snapshot
from vaxel.switch.registrar import Registrar, RegistrarPolicy
from vaxel.switch.tu import SwitchTU
from vaxel.switch.writebehind import WriteBehind

REALM = "test.vaxel"
PASSWORD = "correct-horse-{user}-x"
SERVER = Peer("udp", "127.0.0.1", 5060)
SDP = (
    b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 0\r\n"
)
_counter = itertools.count(1)


class FakeRecords:
    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def record(self, record: CallRecord, call_id: str) -> None:
        self.records.append(record)


@dataclass
class Phone:
    """A scripted user agent at `peer`, registered (or not) as `user`."""

    board: Switchboard
    user: str
    peer: Peer
    inbox: list[SipMessage] = field(default_factory=list)
    reg_cseq: int = 0

    @property
    def contact(self) -> str:
        return f"<sip:{self.user}@{self.peer.host}:{self.peer.port}>"

    def request(
        self,
        method: str,
        uri: str,
        *,
        call_id: str | None = None,
        cseq: int = 1,
        to: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        branch: str | None = None,
        tag: str | None = None,
    ) -> Request:
        fields = [
            (
                "Via",
                f"SIP/2.0/UDP {self.peer.host}:{self.peer.port};"
                f"branch={branch or new_branch()};rport",
            ),
            ("Max-Forwards", "70"),
            ("From", f"<sip:{self.user}@{REALM}>;tag={tag or 'f' + self.user}"),
            ("To", to or f"<{uri}>"),
            ("Call-ID", call_id or f"call-{next(_counter)}@{self.peer.host}"),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", self.contact),
            *(headers or []),
        ]
        if body:
            fields.append(("Content-Type", "application/sdp"))
        return Request.create(method, uri, fields, body)

    def send(self, message: SipMessage) -> None:
        self.board.deliver(message.to_bytes(), self.peer)

    def take(self) -> list[SipMessage]:
        got, self.inbox = self.inbox, []
        return got

    def last(self, kind: str) -> SipMessage:
        """The latest message received: "INVITE", "200", "407" …"""
        for message in reversed(self.inbox):
            if describe(message) == kind:
                return message
        raise AssertionError(f"{self.user} got no {kind}; got {[describe(m) for m in self.inbox]}")

    def got(self) -> list[str]:
        return [describe(m) for m in self.inbox]

    def credentials(
        self,
        challenge: Response,
        request: Request,
        header: str,
        algorithm: str = "MD5",
        nc: int = 1,
        password: str | None = None,
    ) -> str:
        value = challenge.headers.values(header)
        chosen = next(v for v in value if f"algorithm={algorithm}" in v)
        nonce = re.search(r'nonce="([^"]+)"', chosen)
        assert nonce is not None
        draft = (
            f'Digest username="{self.user}", realm="{REALM}", nonce="{nonce.group(1)}", '
            f'uri="{request.uri}", response="0", algorithm={algorithm}, qop=auth, '
            f'nc={nc:08x}, cnonce="abc"'
        )
        ha1 = digest_ha1(self.user, REALM, password or PASSWORD.format(user=self.user), algorithm)
        answer = expected_response(parse_credentials(draft), request.method, ha1)
        return draft.replace('response="0"', f'response="{answer}"')

    def register(
        self, expires: int = 300, contact: str | None = None, algorithm: str = "MD5"
    ) -> Response:
        call_id = f"reg-{self.user}-{self.peer.port}"
        self.reg_cseq += 2
        first = self.request(
            "REGISTER",
            f"sip:{REALM}",
            call_id=call_id,
            cseq=self.reg_cseq - 1,
            to=f"<sip:{self.user}@{REALM}>",
            headers=[("Expires", str(expires))],
        )
        self.send(first)
        challenge = self.last("401")
        assert isinstance(challenge, Response)
        second = self.request(
            "REGISTER",
            f"sip:{REALM}",
            call_id=call_id,
            cseq=self.reg_cseq,
            to=f"<sip:{self.user}@{REALM}>",
            headers=[
                ("Expires", str(expires)),
                (
                    "Authorization",
                    self.credentials(challenge, first, "WWW-Authenticate", algorithm),
                ),
            ],
        )
        if contact is not None:
            second.headers.set("Contact", contact)
        self.send(second)
        answer = self.inbox[-1]
        assert isinstance(answer, Response)
        return answer

    def call(self, number: str) -> Request:
        """INVITE, 407, ACK, INVITE with credentials; returns the INVITE that counts."""
        uri = f"sip:{number}@{REALM}"
        call_id = f"call-{next(_counter)}@{self.user}"
        first = self.request("INVITE", uri, call_id=call_id, body=SDP)
        self.send(first)
        challenge = self.last("407")
        assert isinstance(challenge, Response)
        ack = self.request(
            "ACK", uri, call_id=call_id, to=str(challenge.to), branch=first.top_via.branch
        )
        self.send(ack)
        second = self.request(
            "INVITE",
            uri,
            call_id=call_id,
            cseq=2,
            body=SDP,
            headers=[
                ("Proxy-Authorization", self.credentials(challenge, first, "Proxy-Authenticate"))
            ],
        )
        self.send(second)
        return second

    def answer(self, invite: Request, status: int, tag: str, body: bytes = b"") -> Response:
        headers = [("Contact", self.contact)]
        if body:
            headers.append(("Content-Type", "application/sdp"))
        response = invite.response(status, to_tag=tag, headers=headers, body=body)
        self.send(response)
        return response


def describe(message: SipMessage) -> str:
    return message.method if isinstance(message, Request) else str(message.status)  # type: ignore[attr-defined]


class Switchboard:
    """The switch with two people: 1001 (one phone) and 1002 (two phones), all in memory."""

    def __init__(self, ring_timeout: float = 30.0) -> None:
        plan = NumberPlan()
        self.directory = DirectoryCache(None, REALM, plan)
        accounts = []
        for account_id, user, person in [(1, "1001", 1), (2, "1002", 2), (3, "1002b", 2)]:
            accounts.append(
                Account(
                    account_id,
                    user,
                    person,
                    digest_ha1(user, REALM, PASSWORD.format(user=user), "MD5"),
                    digest_ha1(user, REALM, PASSWORD.format(user=user), "SHA-256"),
                )
            )
        numbers = [
            NumberAssignment(
                plan.e164_for_extension(ext), NumberKind.EXTENSION, person_id=p, extension=ext
            )
            for ext, p in [("1001", 1), ("1002", 2)]
        ]
        self.directory.snapshot = build_snapshot(accounts, numbers, plan)
        self.now = 1000.0
        self.wall = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
        self.endpoint = Endpoint()
        self.endpoint.set_local("udp", SERVER.host, SERVER.port)
        self.challenger = DigestChallenger(REALM, b"s" * 32, nonce_ttl=60)
        self.auth = Authenticator(self.directory, self.challenger, ("MD5", "SHA-256"))
        self.store = WriteBehind(None, "test")
        self.registrar = Registrar(
            self.endpoint,
            self.directory,
            self.auth,
            self.store,
            policy=RegistrarPolicy(min_expires=60),
            wallclock=self.clock,
        )
        self.records = FakeRecords()
        self.b2bua = B2bua(
            self.endpoint,
            self.directory,
            self.registrar,
            self.auth,
            self.records,
            wallclock=self.clock,  # type: ignore[arg-type]
            ring_timeout=ring_timeout,
        )
        self.tu = SwitchTU(self.endpoint, self.registrar, self.b2bua)
        self.phones: dict[Peer, Phone] = {}
        self.lost: list[tuple[bytes, Peer]] = []

    def clock(self) -> datetime:
        return self.wall + timedelta(seconds=self.now - 1000.0)

    def phone(self, user: str, port: int) -> Phone:
        phone = Phone(self, user, Peer("udp", "10.0.0.1", port))
        self.phones[phone.peer] = phone
        return phone

    def deliver(self, data: bytes, source: Peer) -> None:
        events = self.endpoint.receive(data, source, self.now)
        self.tu.handle_events(events, self.now)
        self.flush()

    def flush(self) -> None:
        for out in self.endpoint.take_outgoing():
            phone = self.phones.get(out.peer)
            if phone is None:
                self.lost.append((out.data, out.peer))
            else:
                phone.inbox.append(parse_message(out.data))

    def advance(self, seconds: float) -> None:
        """Let virtual time pass, firing timers as they come due."""
        end = self.now + seconds
        while True:
            deadlines = [
                d
                for d in (self.endpoint.get_timer(), self.tu.get_timer())
                if d is not None and d <= end
            ]
            if not deadlines:
                break
            self.now = max(self.now, min(deadlines))
            events = self.endpoint.handle_timer(self.now)
            self.tu.handle_events(events, self.now)
            self.tu.handle_timer(self.now)
            self.flush()
        self.now = end


def dialog_of(invite: Request, response: Response) -> Dialog:
    return Dialog.from_uac(invite, response)
