"""CPU cost of one authenticated call (or REGISTER) through vaxel's SIP core, without sockets.

The real Endpoint, registrar, B2BUA and TU run in this process; a scripted caller and callee
answer with bytes, so what is measured is parsing, matching, state machines and serialising:
the work the server does per call. Simulated time advances by 1/--rate per call and the
timers fire as in the server, so transactions expire and the live set reaches its steady
state (32 s of calls). Run under cProfile with --profile.

    .venv/bin/python bench/sip_load/inprocess.py --calls 5000 [--profile]
    .venv/bin/python bench/sip_load/inprocess.py --register 20000 [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import re
import time
from collections import Counter
from datetime import datetime

from vaxel.domain.accounts import digest_ha1
from vaxel.domain.clock import TZ
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
from vaxel.sip.auth import DigestChallenger, expected_response, parse_credentials
from vaxel.sip.endpoint import Endpoint, Peer
from vaxel.sip.headers import NameAddr
from vaxel.switch.authn import Authenticator
from vaxel.switch.b2bua import B2bua
from vaxel.switch.directory import Account, DirectoryCache, build_snapshot
from vaxel.switch.registrar import Binding, Registrar
from vaxel.switch.server import collect_young, tune_gc
from vaxel.switch.tu import SwitchTU
from vaxel.switch.writebehind import WriteBehind

REALM = "bench.vaxel"
CALLER = Peer("udp", "127.0.0.1", 5071)
CALLEE = Peer("udp", "127.0.0.1", 5072)
REGISTRANT = Peer("udp", "127.0.0.1", 5073)
PASSWORD = "bench-password-x"
HA1 = {user: digest_ha1(user, REALM, PASSWORD, "MD5") for user in ("3001", "3002")}
SDP = (
    b"v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


def build() -> tuple[Endpoint, SwitchTU]:
    plan = NumberPlan()
    directory = DirectoryCache(None, REALM, plan)
    accounts = [Account(1, "3001", 1, "", ""), Account(2, "3002", 2, "", "")]
    accounts = [
        Account(
            a.id,
            a.username,
            a.person_id,
            digest_ha1(a.username, REALM, PASSWORD, "MD5"),
            digest_ha1(a.username, REALM, PASSWORD, "SHA-256"),
        )
        for a in accounts
    ]
    numbers = [
        NumberAssignment(
            plan.e164_for_extension(a.username),
            NumberKind.EXTENSION,
            person_id=a.person_id,
            extension=a.username,
        )
        for a in accounts
    ]
    directory.snapshot = build_snapshot(accounts, numbers, plan)
    endpoint = Endpoint()
    endpoint.set_local("udp", "127.0.0.1", 5060)
    auth = Authenticator(directory, DigestChallenger(REALM, b"k" * 32), ("MD5",))
    store = WriteBehind(None, "none")
    registrar = Registrar(endpoint, directory, auth, store, wallclock=lambda: datetime.now(TZ))
    registrar.bindings[2] = {
        "sip:3002@127.0.0.1:5072": Binding(
            2,
            NameAddr.parse("<sip:3002@127.0.0.1:5072>"),
            "sip:3002@127.0.0.1:5072",
            1e12,
            "x",
            1,
            CALLEE,
        )
    }
    b2bua = B2bua(endpoint, directory, registrar, auth, None, wallclock=lambda: datetime.now(TZ))
    return endpoint, SwitchTU(endpoint, registrar, b2bua)


def header(data: bytes, name: str) -> str:
    m = re.search(rb"^" + name.encode() + rb": (.*)$", data, re.M | re.I)
    assert m is not None, (name, data)
    return m.group(1).decode().rstrip("\r")


def one_call(endpoint: Endpoint, tu: SwitchTU, n: int, now: float) -> None:
    def feed(data: bytes, peer: Peer) -> list[tuple[bytes, Peer]]:
        events = endpoint.receive(data, peer, now)
        tu.handle_events(events, now)
        return [(o.data, o.peer) for o in endpoint.take_outgoing()]

    def invite(cseq: int, branch: str, extra: str = "") -> bytes:
        return (
            f"INVITE sip:3002@{REALM} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5071;rport;branch={branch}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:3001@{REALM}>;tag=c{n}\r\nTo: <sip:3002@{REALM}>\r\n"
            f"Call-ID: call-{n}@127.0.0.1\r\nCSeq: {cseq} INVITE\r\n"
            "Contact: <sip:3001@127.0.0.1:5071>\r\n"
            + extra
            + f"Content-Type: application/sdp\r\nContent-Length: {len(SDP)}\r\n\r\n"
        ).encode() + SDP

    out = feed(invite(1, f"z9hG4bK{n}a"), CALLER)
    challenge = next(d for d, _ in out if d.startswith(b"SIP/2.0 407"))
    to = header(challenge, "To")
    feed(
        (
            f"ACK sip:3002@{REALM} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bK{n}a\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:3001@{REALM}>;tag=c{n}\r\nTo: {to}\r\n"
            f"Call-ID: call-{n}@127.0.0.1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
        ).encode(),
        CALLER,
    )
    nonce = re.search(r'nonce="([^"]+)"', header(challenge, "Proxy-Authenticate"))
    assert nonce is not None
    uri = f"sip:3002@{REALM}"
    partial = (
        f'Digest username="3001", realm="{REALM}", nonce="{nonce.group(1)}", '
        f'uri="{uri}", response="0", algorithm=MD5, qop=auth, nc=00000001, cnonce="c"'
    )
    creds = parse_credentials(partial)
    response = expected_response(creds, "INVITE", HA1["3001"])
    answered = partial.replace('response="0"', f'response="{response}"')
    out = feed(invite(2, f"z9hG4bK{n}b", f"Proxy-Authorization: {answered}\r\n"), CALLER)
    b_invite = next(d for d, p in out if p == CALLEE)
    via, frm, to_b, cid = (header(b_invite, h) for h in ("Via", "From", "To", "Call-ID"))

    def b_response(status: str, body: bytes = b"") -> bytes:
        extra = "Content-Type: application/sdp\r\n" if body else ""
        return (
            f"SIP/2.0 {status}\r\nVia: {via}\r\nFrom: {frm}\r\nTo: {to_b};tag=b{n}\r\n"
            f"Call-ID: {cid}\r\nCSeq: 1 INVITE\r\nContact: <sip:3002@127.0.0.1:5072>\r\n"
            f"{extra}Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    feed(b_response("180 Ringing"), CALLEE)
    out = feed(b_response("200 OK", SDP), CALLEE)
    ok = next(d for d, p in out if p == CALLER and d.startswith(b"SIP/2.0 200"))
    to_a = header(ok, "To")
    feed(
        (
            f"ACK sip:vaxel@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bK{n}c\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:3001@{REALM}>;tag=c{n}\r\nTo: {to_a}\r\n"
            f"Call-ID: call-{n}@127.0.0.1\r\nCSeq: 2 ACK\r\nContent-Length: 0\r\n\r\n"
        ).encode(),
        CALLER,
    )
    out = feed(
        (
            f"BYE sip:vaxel@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bK{n}d\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:3001@{REALM}>;tag=c{n}\r\nTo: {to_a}\r\n"
            f"Call-ID: call-{n}@127.0.0.1\r\nCSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n"
        ).encode(),
        CALLER,
    )
    bye = next(d for d, p in out if p == CALLEE)
    feed(
        (
            f"SIP/2.0 200 OK\r\nVia: {header(bye, 'Via')}\r\nFrom: {header(bye, 'From')}\r\n"
            f"To: {header(bye, 'To')}\r\nCall-ID: {cid}\r\nCSeq: {header(bye, 'CSeq')}\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode(),
        CALLEE,
    )


def one_register(endpoint: Endpoint, tu: SwitchTU, n: int, now: float) -> None:
    """A REGISTER, its 401, and the REGISTER with credentials (as SIPp's register.xml)."""

    def register(cseq: int, extra: str = "") -> bytes:
        return (
            f"REGISTER sip:{REALM} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5073;rport;branch=z9hG4bKr{n}-{cseq}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:3001@{REALM}>;tag=r{n}\r\nTo: <sip:3001@{REALM}>\r\n"
            f"Call-ID: reg-{n}@127.0.0.1\r\nCSeq: {cseq} REGISTER\r\n"
            "Contact: <sip:3001@127.0.0.1:5999;transport=UDP>\r\nExpires: 600\r\n"
            + extra
            + "User-Agent: SIPp vaxel-interop\r\nContent-Length: 0\r\n\r\n"
        ).encode()

    tu.handle_events(endpoint.receive(register(1), REGISTRANT, now), now)
    challenge = next(o.data for o in endpoint.take_outgoing())
    assert challenge.startswith(b"SIP/2.0 401"), challenge
    nonce = re.search(r'nonce="([^"]+)"', header(challenge, "WWW-Authenticate"))
    assert nonce is not None
    uri = f"sip:{REALM}"
    creds = parse_credentials(
        f'Digest username="3001", realm="{REALM}", nonce="{nonce.group(1)}", uri="{uri}", '
        'response="0", algorithm=MD5'
    )
    response = expected_response(creds, "REGISTER", HA1["3001"])
    answer = (
        f'Digest username="3001", realm="{REALM}", uri="{uri}", nonce="{nonce.group(1)}", '
        f'response="{response}", algorithm=MD5'
    )
    tu.handle_events(
        endpoint.receive(register(2, f"Authorization: {answer}\r\n"), REGISTRANT, now), now
    )
    ok = next(o.data for o in endpoint.take_outgoing())
    assert ok.startswith(b"SIP/2.0 200"), ok


def tick(endpoint: Endpoint, tu: SwitchTU, now: float) -> None:
    """What the transport's one timer does when it fires."""
    tu.handle_events(endpoint.handle_timer(now), now)
    tu.handle_timer(now)
    endpoint.take_outgoing()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--register", type=int, default=0, help="REGISTERs instead of calls")
    parser.add_argument("--rate", type=float, default=400.0, help="simulated calls per second")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--cycles", action="store_true", help="then count what only a full collection frees"
    )
    args = parser.parse_args()
    endpoint, tu = build()
    step = one_register if args.register else one_call
    count = args.register or args.calls
    what = "REGISTERs" if args.register else "calls"
    for n in range(200):  # warm up
        step(endpoint, tu, -n - 1, 0.0)
    tune_gc()
    gc.disable()  # as in the server, whose pacer runs collect_young() once a second
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    cpu_started = time.process_time()  # CPU time: fairer than wall time on a shared machine
    gc_time = 0.0
    if profiler:
        profiler.enable()
    for n in range(count):
        now = n / args.rate
        step(endpoint, tu, n, now)
        if n % 8 == 0:
            tick(endpoint, tu, now)
        if n % int(args.rate) == 0:
            collecting = time.perf_counter()
            collect_young()
            gc_time += time.perf_counter() - collecting
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(
        f"{count} {what} in {elapsed:.2f} s ({cpu:.2f} s CPU): {1e6 * cpu / count:.0f} µs CPU "
        f"each (the scripted peers included), {count / cpu:.0f}/s on one core; "
        f"{len(endpoint.transactions)} live transactions; {1000 * gc_time:.0f} ms collecting"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    if args.cycles:
        count_cycles(endpoint, tu, count / args.rate, count)


def count_cycles(endpoint: Endpoint, tu: SwitchTU, now: float, count: int) -> None:
    """Let every timer fire, then report the garbage only a full collection finds: reference
    cycles, which the server's collector (switch/server.py tune_gc) frees only seldom."""
    for _ in range(300):
        now += 0.5
        tick(endpoint, tu, now)
    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    found = gc.collect()
    kinds = Counter(type(item).__name__ for item in gc.garbage).most_common(8)
    gc.set_debug(0)
    gc.garbage.clear()
    print(f"garbage in reference cycles: {found} objects, {found / count:.1f} per step {kinds}")


if __name__ == "__main__":
    main()
