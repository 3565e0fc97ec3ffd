"""Composition root: builds storage, the SIP switch with its apps and the web app, and runs them
in one event loop.

The call apps are put together as their author intended (switch/apps/, flows/):

    CallbackFlows(db, plan, within_hours)                  missed calls → callbacks
    VoicemailApp(db, settings, MailboxPinStore(db), VoicemailFlows(callback_flows), mwi)
    MessageWaiting(db, notifier=SIP server's message-summary subscriptions)
    SwitchboardQueue("vaxeln", callbacks=callback_flows, database)  sign-ins kept in storage
    PlanExecutor(voicemail, queues, observers=[callback_flows])
    FeatureApp(db, voicemail, queue)

and handed to the switch (`switch.signalling.SwitchCalls`), whose B2BUA starts one of them on
every call; the web gets the operator console's calls (`switch.callcontrol.ConsoleCalls`)
through `WebCallControl`. When the switchboard starts, the fixed prompts are rendered into the
speech cache in a worker thread (`prompts.warm_up`), so the first caller hears them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from vaxel import __version__
from vaxel.config import Config, ConfigError
from vaxel.domain.clock import TZ
from vaxel.domain.numbers import NumberPlan
from vaxel.flows.callbacks import CallbackFlows
from vaxel.flows.voicemail import MailboxPinStore, VoicemailFlows
from vaxel.media.session import PortRange
from vaxel.media.speech import Speech, WarmUp
from vaxel.storage import Database
from vaxel.switch.apps import (
    FeatureApp,
    MessageWaiting,
    PlanExecutor,
    QueuedCallView,
    SwitchboardQueue,
    VoicemailApp,
    VoicemailSettings,
    prompts,
)
from vaxel.switch.callcontrol import CallRefused, ConsoleCalls
from vaxel.switch.media_leg import MediaSettings
from vaxel.switch.routing import RoutingSettings
from vaxel.switch.server import SipServer, SwitchSettings, tune_gc
from vaxel.switch.signalling import (
    CALLBACK_FAILED,
    SERVICE_UNAVAILABLE,
    CallApps,
    CallSettings,
    SwitchCalls,
)
from vaxel.switch.targets import TargetDirectory
from vaxel.web.callcontrol import CallControlError, Operator, QueuedCall, QueueSignIn

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SPEECH_CACHE = "speech-cache"  # under the data directory: rendered prompts, reused
PROMPTS = "prompts"  # under the data directory: recorded prompts that replace spoken ones


def open_database(config: Config) -> Database:
    """The configured database, migrated to the newest schema."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(config.db_url)
    db.upgrade()
    return db


def wallclock() -> datetime:
    return datetime.now(TZ)


def speech_for(config: Config) -> Speech:
    """Speech in the configured languages, cached under the data directory (tests render with
    the same one)."""
    return Speech(
        config.data_dir / SPEECH_CACHE,
        config.data_dir / PROMPTS,
        languages=config.announcement_languages,
    )


def call_settings_from_env(env: Mapping[str, str] | None = None) -> CallSettings:
    """The switch's call settings; VAXEL_RTP_PORTS ("20000-30000"), VAXEL_MEDIA_ADDRESS (the
    address written in SDP, for a switch behind NAT) and VAXEL_RING_TIMEOUT (seconds a
    person's phones ring before the caller is told and offered voicemail) override the
    defaults."""
    env = os.environ if env is None else env
    routing = RoutingSettings()
    ring = env.get("VAXEL_RING_TIMEOUT", "").strip()
    if ring:
        try:
            seconds = float(ring)
        except ValueError:
            seconds = 0.0
        if not 1.0 <= seconds <= 300.0:
            raise ConfigError(f"VAXEL_RING_TIMEOUT: expected 1 to 300 seconds, got {ring!r}")
        routing = replace(routing, ring_timeout_s=seconds)
    media = MediaSettings()
    ports = env.get("VAXEL_RTP_PORTS", "").strip()
    if ports:
        first, _, last = ports.partition("-")
        try:
            media = replace(media, ports=PortRange(int(first), int(last)))
        except ValueError as error:
            raise ConfigError(f"VAXEL_RTP_PORTS: expected e.g. 20000-30000 ({error})") from None
    address = env.get("VAXEL_MEDIA_ADDRESS", "").strip()
    if address:
        media = replace(media, advertise=address)
    return CallSettings(routing=routing, media=media)


@dataclass(eq=False)
class Switchboard:
    """The call apps on one SIP server: what `run` starts and stops, and hands to the web."""

    calls: SwitchCalls
    console: ConsoleCalls
    targets: TargetDirectory
    mwi: MessageWaiting
    queue: SwitchboardQueue
    callbacks: CallbackFlows
    speech: Speech
    pins: MailboxPinStore | None = None  # its old PIN file is imported at start
    warming: WarmUp | None = None
    _unwatch: Callable[[], None] | None = None

    async def start(self) -> None:
        """Import the old mailbox PIN file, render the fixed prompts in the background, load
        the routing directory (before the first call), follow mailbox changes."""
        if self.pins is not None:
            # Now, not at the first PIN lookup: by then a mailbox may have a new holder.
            try:
                await asyncio.to_thread(self.pins.import_legacy)
            except Exception:  # the lookups fail too (closed), and an administrator is told
                log.exception("the old mailbox PIN file was not imported")
        self.warming = prompts.warm_up(self.speech, extra=(SERVICE_UNAVAILABLE, CALLBACK_FAILED))
        await self.targets.start()
        await self.queue.start()
        self._unwatch = self.mwi.watch(asyncio.get_running_loop())

    async def stop(self) -> None:
        if self.warming is not None:
            self.warming.stop()
        if self._unwatch is not None:
            self._unwatch()
        await self.calls.stop()
        await self.queue.stop()
        await self.targets.stop()


def build_switchboard(
    config: Config, db: Database, sip_server: SipServer, settings: CallSettings | None = None
) -> Switchboard:
    """The call apps of `sip_server`, wired to its B2BUA."""
    settings = settings or CallSettings()
    plan = NumberPlan(config.did_prefix, config.extension_digits)
    callback_flows = CallbackFlows(db, plan=plan, within_hours=config.callback_within_hours)
    mwi = MessageWaiting(db)  # its notifier: the SIP server's subscriptions (below)
    pins = MailboxPinStore(db, legacy_file=config.voicemail_dir / "pins.json")
    voicemail = VoicemailApp(
        db,
        # Absolute, so that the greeting paths it stores mean the same file to the web (which
        # resolves a relative path against the data directory) whatever the working directory.
        VoicemailSettings(config.voicemail_dir.resolve()),
        pins=pins,
        listener=VoicemailFlows(callback_flows),
        mwi=mwi,
    )
    name = settings.switchboard_queue
    queue = SwitchboardQueue(name, clock=wallclock, callbacks=callback_flows, database=db)
    executor = PlanExecutor(voicemail=voicemail, queues={name: queue}, observers=[callback_flows])
    speech = speech_for(config)
    apps = CallApps(
        executor,
        speech,
        features=FeatureApp(db, voicemail=voicemail, queue=queue),
        queues={name: queue},
        connected=callback_flows.connected,
    )
    targets = TargetDirectory(db, config.realm, plan, settings.targets)
    calls = SwitchCalls(
        apps,
        sip_server.directory,
        sip_server.registrar,
        targets,
        wallclock=wallclock,
        settings=settings,
    )
    calls.attach(sip_server.b2bua, sip_server.transport.flush)
    # Phones subscribe to their owner's mailbox (RFC 3842): the mailboxes from the routing
    # directory in memory, the counts read from storage in a worker thread.
    mwi.notifier = sip_server.serve_message_summary(
        mailbox=lambda extension: targets.snapshot.mailboxes.get(extension),
        own_mailbox=lambda person_id: _own_mailbox(targets, person_id),
        summary=lambda extension: asyncio.to_thread(mwi.summary, extension),
    )
    return Switchboard(
        calls, ConsoleCalls(calls), targets, mwi, queue, callback_flows, speech, pins=pins
    )


def _own_mailbox(targets: TargetDirectory, person_id: int) -> str | None:
    box = targets.snapshot.mailbox_of.get(person_id)
    return None if box is None else box.extension


class WebCallControl:
    """The web's CallControl on the switch's ConsoleCalls (the switch may not import web)."""

    def __init__(self, console: ConsoleCalls) -> None:
        self.console = console

    def queue(self) -> list[QueuedCall]:
        return [_queued(view) for view in self.console.queue()]

    async def answer_next(self, operator: Operator) -> QueuedCall | None:
        with _refusals():
            view = await self.console.answer_next(operator.person_id, operator.name)
        return None if view is None else _queued(view)

    async def pick(self, call_id: str, operator: Operator) -> QueuedCall:
        with _refusals():
            return _queued(await self.console.pick(call_id, operator.person_id, operator.name))

    async def sign_in(self, operator: Operator) -> QueueSignIn:
        with _refusals():
            done = await self.console.sign_in(operator.person_id, operator.name)
        return QueueSignIn(done.signed_in, done.changed, done.number)

    async def sign_out(self, operator: Operator) -> QueueSignIn:
        with _refusals():
            done = await self.console.sign_out(operator.person_id)
        return QueueSignIn(done.signed_in, done.changed, done.number)

    async def transfer_blind(self, call_id: str, target: str, operator: Operator) -> None:
        with _refusals():
            await self.console.transfer_blind(call_id, target, operator.person_id)

    async def transfer_consult(self, call_id: str, target: str, operator: Operator) -> None:
        with _refusals():
            await self.console.transfer_consult(call_id, target, operator.person_id)

    async def complete_transfer(self, call_id: str, operator: Operator) -> None:
        with _refusals():
            await self.console.complete_transfer(call_id, operator.person_id)

    async def cancel_transfer(self, call_id: str, operator: Operator) -> None:
        with _refusals():
            await self.console.cancel_transfer(call_id, operator.person_id)

    async def click_to_call(self, person_id: int, number: str) -> None:
        with _refusals():
            await self.console.click_to_call(person_id, number)


def _queued(view: QueuedCallView) -> QueuedCall:
    return QueuedCall(
        call_id=view.call_id,
        caller_number=view.caller_number,
        waiting_since=view.waiting_since,
        position=view.position,
        caller_name=view.caller_name,
        dialled=view.dialled,
    )


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield None
    except CallRefused as refused:
        raise CallControlError(refused.message, refused.status, refused.message_en) from None


def serve(config: Config, demo_logins: Sequence[tuple[str, str, str]] = ()) -> None:
    """Run the switchboard (SIP and web) until interrupted."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(config, demo_logins))


async def run(
    config: Config,
    demo_logins: Sequence[tuple[str, str, str]] = (),
    *,
    call_settings: CallSettings | None = None,
    switch_settings: SwitchSettings | None = None,
) -> None:
    """Start everything on the running loop; return when the web server stops."""
    import uvicorn

    from vaxel.web import create_app

    db = open_database(config)
    sip_server = SipServer(config, db, switch_settings)
    switchboard = build_switchboard(
        config, db, sip_server, call_settings or call_settings_from_env()
    )
    await switchboard.start()
    await sip_server.start()
    web = create_app(
        db, config, call_control=WebCallControl(switchboard.console), demo_logins=demo_logins
    )
    server = uvicorn.Server(
        uvicorn.Config(
            web,
            host=config.http.host,
            port=config.http.port,
            log_level="info",
            timeout_graceful_shutdown=3,
        )
    )
    log.info("vaxel %s: web on http://%s, SIP on %s", __version__, config.http, config.sip)
    tune_gc()
    try:
        await server.serve()
    finally:
        await sip_server.stop()
        await switchboard.stop()
        db.dispose()
