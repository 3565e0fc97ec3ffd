"""The SIP server: transport + endpoint + registrar + B2BUA, wired and started together.

    server = SipServer(config, database)
    server.serve_message_summary(mailbox=..., own_mailbox=..., summary=...)  # optional
    await server.start()
    ...
    await server.stop()

Also runnable alone for tests and benchmarks (uvloop when installed):

    python -m vaxel.switch.server --database sqlite:///data/vaxel.db --sip 127.0.0.1:5060
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import secrets
import signal
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from vaxel.domain.clock import TZ
from vaxel.domain.numbers import NumberPlan
from vaxel.domain.voicemail import Mailbox
from vaxel.sip.auth import DigestChallenger
from vaxel.sip.endpoint import Endpoint
from vaxel.storage.db import Database
from vaxel.switch.authn import Authenticator
from vaxel.switch.b2bua import B2bua
from vaxel.switch.callrecords import CallRecordWriter
from vaxel.switch.directory import DirectoryCache
from vaxel.switch.registrar import Registrar, RegistrarPolicy
from vaxel.switch.subscriptions import SubscriptionPolicy, Subscriptions
from vaxel.switch.tu import SwitchTU
from vaxel.switch.writebehind import WriteBehind
from vaxel.transport.limits import Limits
from vaxel.transport.stack import SipTransport, parse_listen

log = logging.getLogger("vaxel.switch.server")


class _Listen(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...


class SipConfig(Protocol):
    """What the server reads from vaxel.config.Config (which it may not import: it is above)."""

    @property
    def sip(self) -> _Listen: ...

    @property
    def realm(self) -> str: ...

    @property
    def did_prefix(self) -> str: ...

    @property
    def extension_digits(self) -> int: ...


@dataclass(frozen=True)
class SwitchSettings:
    """Tunables of the SIP server beyond vaxel's Config (defaults suit production)."""

    listen: tuple[tuple[str, int], ...] = ()  # empty: config.sip only
    tcp: bool = True
    limits: Limits = field(default_factory=Limits)
    ring_timeout: float = 30.0
    nonce_ttl: float = 300.0
    registrar: RegistrarPolicy = field(default_factory=RegistrarPolicy)
    subscriptions: SubscriptionPolicy = field(default_factory=SubscriptionPolicy)
    # Offered in this order. MD5 first: many deployed clients (SIPp 3.6 among them) answer the
    # first challenge whatever its algorithm; SHA-256 clients that skip to the strongest use it.
    digest_algorithms: tuple[str, ...] = ("MD5", "SHA-256")
    md5_only_agents: tuple[str, ...] = ("baresip",)  # User-Agent prefixes (see authn)


def wallclock() -> datetime:
    return datetime.now(TZ)


class SipServer:
    """One SIP server process: everything it needs is built in start() and torn down in stop()."""

    def __init__(
        self, config: SipConfig, database: Database | None, settings: SwitchSettings | None = None
    ) -> None:
        self.config = config
        self.database = database
        self.settings = settings or SwitchSettings()
        plan = NumberPlan(config.did_prefix, config.extension_digits)
        self.directory = DirectoryCache(database, config.realm, plan)
        self.binding_writes = WriteBehind(database, "registrations")
        self.call_writes = WriteBehind(database, "call records")
        self.endpoint = Endpoint(max_size=self.settings.limits.max_message_size)
        challenger = DigestChallenger(
            config.realm, secrets.token_bytes(32), self.settings.nonce_ttl
        )
        self.auth = Authenticator(
            self.directory,
            challenger,
            self.settings.digest_algorithms,
            own_hosts=self._own_hosts,
            md5_only_agents=self.settings.md5_only_agents,
        )
        self.registrar = Registrar(
            self.endpoint,
            self.directory,
            self.auth,
            self.binding_writes,
            policy=self.settings.registrar,
            wallclock=wallclock,
        )
        self.records = CallRecordWriter(self.call_writes)
        self.b2bua = B2bua(
            self.endpoint,
            self.directory,
            self.registrar,
            self.auth,
            self.records,
            wallclock=wallclock,
            ring_timeout=self.settings.ring_timeout,
        )
        self.tu = SwitchTU(self.endpoint, self.registrar, self.b2bua)
        listen = self.settings.listen or ((config.sip.host, config.sip.port),)
        self.transport = SipTransport(
            self.endpoint, self.tu, listen, limits=self.settings.limits, tcp=self.settings.tcp
        )
        self.subscriptions: Subscriptions | None = None
        self.started = False

    def serve_message_summary(
        self,
        *,
        mailbox: Callable[[str], Mailbox | None],
        own_mailbox: Callable[[int], str | None],
        summary: Callable[[str], Awaitable[str]],
    ) -> Subscriptions:
        """Take SUBSCRIBE for message-summary (RFC 3842) from now on; the apps know the
        mailboxes (`mailbox`: by extension, `own_mailbox`: a person's) and read the counts
        (`summary`: the body of the first NOTIFY). Returns the subscriptions, which send
        the later NOTIFYs (`message_waiting`). Without it, SUBSCRIBE is answered 405."""
        self.subscriptions = Subscriptions(
            self.endpoint,
            self.auth,
            mailbox=mailbox,
            own_mailbox=own_mailbox,
            summary=summary,
            flush=self.transport.flush,
            policy=self.settings.subscriptions,
        )
        self.tu.subscriptions = self.subscriptions
        return self.subscriptions

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await self.directory.start()
        if self.database is not None:
            database = self.database
            await asyncio.to_thread(self.registrar.load, database, loop.time())
        await self.binding_writes.start()
        await self.call_writes.start()
        await self.transport.start()
        self.registrar.start_timer(loop.time())
        self.transport.rearm()
        self.started = True
        where = ", ".join(f"{t} {h}:{p}" for t, h, p in self.transport.bound)
        log.info("SIP server listening on %s (realm %s)", where, self.config.realm)

    async def stop(self) -> None:
        """Stop taking messages, then write what is still queued."""
        await self.transport.stop()
        await self.binding_writes.stop()
        await self.call_writes.stop()
        await self.directory.stop()
        self.started = False
        log.info("SIP server stopped")

    def _own_hosts(self) -> set[str]:
        hosts = {host.lower() for host, _ in self.endpoint.local.values()}
        hosts.add(self.config.realm.lower())
        return hosts

    @property
    def port(self) -> int:
        """The port bound first (useful when asked for port 0)."""
        return self.transport.bound[0][2]


# Garbage collection on a clock (see tune_gc): the young objects every GC_TICK seconds; all
# of them once memory in use (allocated blocks: objects, near enough) has stayed above
# GC_FULL_GROWTH times, and GC_FULL_SLACK blocks above, what it was after the last full
# collection for GC_FULL_WINDOW seconds on end. 400 calls per second hold about 4.4 million
# blocks (1.2 million objects the collector tracks) in their 32 seconds of transactions.
GC_TICK = 0.25
GC_FULL_GROWTH = 2.0
GC_FULL_SLACK = 4_000_000
GC_FULL_WINDOW = 300
GC_CHECK_EVERY = 10  # ticks


def collect_young() -> int:
    """Collect what is newer than the last call, then set the survivors aside (gc.freeze) so
    no later collection but collect_all() scans them again. Returns what was collected."""
    # With automatic collection off, generation 0 holds every object newer than the last
    # freeze; collecting it alone skips the extra work CPython does for a full collection.
    found = gc.collect(0) if not gc.isenabled() else gc.collect(2)
    gc.freeze()
    return found


def collect_all() -> int:
    """A full collection, the set-aside objects included; then set the survivors aside."""
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    return found


class _GcPacer:
    """collect_young() every `tick` seconds; collect_all() when memory in use grew for good."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        tick: float,
        growth: float,
        slack: int,
        window: float,
    ) -> None:
        self.loop = loop
        self.tick = tick
        self.growth = growth
        self.slack = slack
        self.ticks = 0
        self.kept = sys.getallocatedblocks()  # after the last full collection
        # Memory in use over the window: its least value grows only when objects pile up for
        # good (a leak), not with a burst of calls that are soon over.
        self.counts: deque[int] = deque(maxlen=max(1, round(window / tick / GC_CHECK_EVERY)))
        self.handle = loop.call_later(tick, self.run)

    def run(self) -> None:
        self.ticks += 1
        collect_young()
        if self.ticks % GC_CHECK_EVERY == 0:
            self.counts.append(sys.getallocatedblocks())
            floor = max(self.growth * self.kept, self.kept + self.slack)
            if len(self.counts) == self.counts.maxlen and min(self.counts) > floor:
                self.collect_all()
        self.handle = self.loop.call_later(self.tick, self.run)

    def collect_all(self) -> None:
        started = time.perf_counter()
        found = collect_all()
        took = time.perf_counter() - started
        self.kept = sys.getallocatedblocks()
        self.counts.clear()
        # What is found here was garbage in reference cycles that outlived a tick; the code
        # that makes them could break them (or hold one side weakly) and spare this pause.
        log.warning(
            "full garbage collection: %d objects were garbage in reference cycles (%.0f ms)",
            found,
            1000 * took,
        )

    def stop(self) -> None:
        self.handle.cancel()


_pacer: _GcPacer | None = None


def tune_gc(
    tick: float = GC_TICK,
    growth: float = GC_FULL_GROWTH,
    slack: int = GC_FULL_SLACK,
    window: float = GC_FULL_WINDOW,
) -> None:
    """Garbage collection on a clock rather than on allocation counts; call it in the loop.

    At load the live transactions (kept 32 s by the RFC timers) are a million objects and
    more. CPython's collector decides by allocations minus deallocations, which stays near
    zero while old transactions die as fast as new ones are made; meanwhile its youngest
    generation grows to hold every new object, and the collection that finally comes scans
    them all: a stall of a second, and every peer retransmits. So here the young objects are
    collected every `tick` seconds (milliseconds of work) and their survivors set aside
    (gc.freeze); refcounting still frees them when they die. Only garbage in reference
    cycles that outlived a tick stays. A full collection, a pause as long as there are live
    objects (a second at hundreds of calls per second), frees it once memory in use has
    stayed above `growth` times, and `slack` blocks above, what the last one left for
    `window` seconds: a leak, not a busy hour. The call path makes no cycles
    (bench/sip_load/inprocess.py --cycles checks), so that should be seldom.
    """
    global _pacer
    if _pacer is not None:
        _pacer.stop()
        _pacer = None
    gc.collect()
    gc.freeze()  # what start-up made (modules, the directory) is never scanned again
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no loop to pace it: automatic collection, but seldom
        gc.set_threshold(50_000, 50, 100)
        gc.enable()
        return
    gc.disable()  # the pacer alone collects: no automatic pass scans the same objects again
    _pacer = _GcPacer(loop, tick, growth, slack, window)


def untune_gc() -> None:
    """Undo tune_gc(): stop the pacer, scan everything again, collect automatically."""
    global _pacer
    if _pacer is not None:
        _pacer.stop()
        _pacer = None
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # CPython's defaults
    gc.enable()


# -- python -m vaxel.switch.server -------------------------------------------------------------


@dataclass(frozen=True)
class ListenAt:
    host: str
    port: int


@dataclass(frozen=True)
class StandaloneConfig:
    sip: ListenAt
    realm: str = "vaxel"
    did_prefix: str = "+4610130"
    extension_digits: int = 4


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaxel.switch.server", description=__doc__)
    parser.add_argument("--database", required=True, help="SQLAlchemy URL")
    parser.add_argument(
        "--sip", action="append", default=[], help="HOST:PORT to listen on (repeat for IPv6)"
    )
    parser.add_argument("--realm", default="vaxel")
    parser.add_argument("--did-prefix", default="+4610130")
    parser.add_argument("--extension-digits", type=int, default=4)
    parser.add_argument("--ring-timeout", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=500.0, help="messages/s per source IP")
    parser.add_argument("--burst", type=float, default=1000.0)
    parser.add_argument("--no-tcp", action="store_true")
    parser.add_argument(
        "--digest", default="MD5,SHA-256", help="digest algorithms to offer, in order"
    )
    parser.add_argument("--upgrade", action="store_true", help="migrate the database first")
    parser.add_argument("--no-uvloop", action="store_true")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    listen = tuple(parse_listen(item) for item in (args.sip or ["0.0.0.0:5060"]))
    config = StandaloneConfig(
        ListenAt(*listen[0]), args.realm, args.did_prefix, args.extension_digits
    )
    settings = SwitchSettings(
        listen=listen,
        tcp=not args.no_tcp,
        limits=Limits(rate=args.rate, burst=args.burst),
        ring_timeout=args.ring_timeout,
        digest_algorithms=tuple(a.strip().upper() for a in args.digest.split(",") if a.strip()),
    )
    database = Database(args.database)
    if args.upgrade:
        database.upgrade()

    async def run() -> None:
        server = SipServer(config, database, settings)
        await server.start()
        tune_gc()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.stop()

    if not args.no_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            log.info("running on uvloop")
            uvloop.run(run())
            return 0
    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
