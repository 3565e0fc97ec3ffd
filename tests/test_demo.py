"""The demo municipality: created once, reused after; `policy check` tells the truth about it."""

from __future__ import annotations

import json
import logging
import shutil
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from vaxel.cli import app
from vaxel.config import Config
from vaxel.demo import KOMMUN, load_tree
from vaxel.demo.greetings import GREETINGS_DIR, greeting_text
from vaxel.domain.clock import TZ, local
from vaxel.domain.people import PersonKind
from vaxel.domain.presence import RETURN_UNKNOWN_ALLOWED
from vaxel.domain.voicemail import GreetingState
from vaxel.media.speech import Speech
from vaxel.media.wav import read_wav
from vaxel.storage import Database
from vaxel.storage.audit import AuditRepository
from vaxel.storage.barring import BarringRepository
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.models import AuditRow, CallRow
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.apps.voicemail import VoicemailApp, VoicemailSettings
from vaxel.web import create_app

runner = CliRunner()


@dataclass
class Demo:
    data_dir: Path
    db: Database
    seconds: float
    output: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("VAXEL_DATABASE_URL", raising=False)
        data_dir = tmp_path_factory.mktemp("demo") / "data"
        started = time.monotonic()
        result = runner.invoke(app, ["demo", "--data-dir", str(data_dir), "--no-serve"])
        seconds = time.monotonic() - started
        assert result.exit_code == 0, result.output
        db = Database(Config.from_env(data_dir=data_dir).db_url)
        yield Demo(data_dir, db, seconds, result.stdout)
        db.dispose()


def findings(demo: Demo, kind: str) -> list[dict[str, str]]:
    result = runner.invoke(
        app, ["--data-dir", str(demo.data_dir), "policy", "check", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return [f for f in json.loads(result.stdout) if f["kind"] == kind]


def test_demo_prints_web_address_log_ins_and_sip_accounts(demo: Demo) -> None:
    assert f"{KOMMUN} (demo) created" in demo.output
    assert "http://127.0.0.1:8080/" in demo.output
    for user, password in [("admin", "sjostad-admin"), ("telefonist", "sjostad-telefonist")]:
        assert user in demo.output and password in demo.output
    assert "demo-sip-alfa" in demo.output
    assert demo.seconds < 30


def test_demo_is_a_realistic_municipality(demo: Demo) -> None:
    with demo.db.session() as s:
        directory = DirectoryRepository(s)
        people = directory.people()
        assert 250 <= len(people) <= 350
        paths = set(directory.unit_paths().values())
        assert (
            f"{KOMMUN} / Miljö- och byggnadsnämnden / Samhällsbyggnadsförvaltningen / Bygglov"
            in paths
        )
        assert f"{KOMMUN} / Sjöstadshem AB" in paths
        assert any(p.kind is PersonKind.FORTROENDEVALD for p in people)
        assert any("skolskjuts" in p.keywords for p in people)
        labels = {a.label for a, _ in NumberRepository(s).function_numbers(datetime.now(TZ))}
        assert {"Växeln", "Bygglov", "Skolskjuts"} <= labels
        calls = s.scalar(select(func.count()).select_from(CallRow))
        assert 30_000 <= (calls or 0) <= 100_000


def test_demo_tree_file_reads() -> None:
    names = [u.name for u in load_tree()]
    assert names[0] == "Kommunstyrelsen" and "Sjöstad Energi AB" in names


def test_second_run_reuses_the_demo(demo: Demo) -> None:
    with demo.db.session() as s:
        before = (
            s.scalar(select(func.count()).select_from(AuditRow)),
            len(DirectoryRepository(s).people()),
        )
    result = runner.invoke(app, ["demo", "--data-dir", str(demo.data_dir), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert f"{KOMMUN} (demo) reused" in result.stdout
    assert "sjostad-chef" in result.stdout
    with demo.db.session() as s:
        after = (
            s.scalar(select(func.count()).select_from(AuditRow)),
            len(DirectoryRepository(s).people()),
        )
    assert after == before


def test_policy_check_finds_the_contractor_past_the_end_date(demo: Demo) -> None:
    now = datetime.now(TZ)
    with demo.db.session() as s:
        numbers = NumberRepository(s)
        expected = {
            p.name
            for p in DirectoryRepository(s).people()
            if p.valid_to is not None and p.valid_to < local(now).date()
            and numbers.assignments(person_id=p.id, at=now)
        }  # fmt: skip
    assert len(expected) == 1
    assert {f["subject"] for f in findings(demo, "past_end_date_with_numbers")} == expected


def test_policy_check_finds_the_expired_exception(demo: Demo) -> None:
    now = datetime.now(TZ)
    with demo.db.session() as s:
        names = {p.id: p.name for p in DirectoryRepository(s).people()}
        exceptions = BarringRepository(s).exceptions()
        expired = {names[e.person_id] for e in exceptions if e.valid_to < now}
        valid = [e for e in exceptions if e.valid_to > now]
    assert len(expired) == 1 and len(valid) == 2  # VA's on-call, the medarbetare's approved
    assert {f["subject"] for f in findings(demo, "expired_exception")} == expired


def test_policy_check_finds_the_long_sick_leave_without_return(demo: Demo) -> None:
    now = datetime.now(TZ)
    with demo.db.session() as s:
        names = {p.id: p.name for p in DirectoryRepository(s).people()}
        absences = PresenceRepository(s).all_current(now)
    long_unknown = {
        names[pid]
        for pid, a in absences.items()
        if a.until is None and a.reason in RETURN_UNKNOWN_ALLOWED
        and a.set_at is not None and (now - a.set_at).days > 14
    }  # fmt: skip
    assert long_unknown
    assert {f["subject"] for f in findings(demo, "absent_without_return")} == long_unknown
    assert any(
        a.until is None and (now - a.set_at).days < 14 for a in absences.values() if a.set_at
    )


def test_policy_check_finds_the_overdue_callbacks(demo: Demo) -> None:
    now = datetime.now(TZ)
    with demo.db.session() as s:
        tasks = CallbackRepository(s).tasks()
    overdue = [t for t in tasks if t.due_at < now]
    assert overdue and len(overdue) < len(tasks)
    assert len(findings(demo, "overdue_callback")) == len(overdue)


def test_policy_check_finds_the_missing_greetings(demo: Demo) -> None:
    today = local(datetime.now(TZ)).date()
    with demo.db.session() as s:
        people = {p.id: p for p in DirectoryRepository(s).people()}
        boxes = VoicemailRepository(s).mailboxes()
    missing = [
        b
        for b in boxes
        if b.greeting is not GreetingState.RECORDED
        and b.person_id is not None
        and (people[b.person_id].valid_to is None or people[b.person_id].valid_to >= today)  # type: ignore[operator]
    ]
    assert any(b.greeting is GreetingState.NONE for b in missing)
    assert any(b.greeting is GreetingState.DEFAULT for b in missing)
    assert len(findings(demo, "missing_greeting")) == len(missing)


def need(request: pytest.FixtureRequest, *programs: str) -> None:
    """Skip (fail under CI) without these programs: the demo speaks its greetings with them."""
    root = Path(__file__).resolve().parent / "conftest.py"
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == root:
            for program in programs:
                plugin.need_program(program)


def test_recorded_greetings_are_real_files_that_callers_hear(
    demo: Demo,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every mailbox the demo marks as recorded has its greeting on disk: an 8 kHz WAV of the
    person saying whose phone it is, at an absolute path, played by the voicemail app whatever
    its working directory (before, 78 % pointed at files that were never written)."""
    need(request, "espeak-ng", "sox")
    with demo.db.session() as s:
        boxes = [b for b in VoicemailRepository(s).mailboxes() if b.person_id is not None]
        people = {p.id: p for p in DirectoryRepository(s).people()}
        units = {u.id: u.name for u in DirectoryRepository(s).units()}
        paths = {b.id: VoicemailRepository(s).greeting_path(b.id) for b in boxes}
    recorded = [b for b in boxes if b.greeting is GreetingState.RECORDED]
    assert 0.65 < len(recorded) / len(boxes) < 0.85
    folder = (demo.data_dir / GREETINGS_DIR).resolve()
    for box in recorded:
        path = Path(paths[box.id])
        assert path.is_absolute() and path.parent == folder, path
        audio = read_wav(path)
        assert audio.sample_rate == 8000 and 2.0 < audio.duration < 12.0, path
        assert max(array("h", audio.pcm)) > 8000, path  # speech at a phone's level, not silence
    # Nothing else is there: not the greeting of the mailbox the chef's example has without one.
    assert sorted(folder.iterdir()) == sorted(Path(paths[b.id]) for b in recorded)
    assert all(not paths[b.id] for b in boxes if b.greeting is not GreetingState.RECORDED)

    # It is the owner's own greeting: as long as their name and unit, spoken.
    box = recorded[0]
    person = people[box.person_id]  # type: ignore[index]
    said = tmp_path / "said.wav"
    Speech(tmp_path / "cache").speak_to_file(
        greeting_text(person.name, units[person.unit_id]), said
    )
    assert read_wav(said).pcm == read_wav(paths[box.id]).pcm

    monkeypatch.chdir(tmp_path)  # not where the demo was made
    settings = VoicemailSettings(Config.from_env(data_dir=demo.data_dir).voicemail_dir)
    app = VoicemailApp(demo.db, settings)
    with caplog.at_level(logging.WARNING, logger="vaxel.switch.apps.voicemail"):
        played = [app._recorded_greeting(b) for b in recorded]
    assert all(source is not None for source in played)
    assert caplog.records == []  # no "greeting cannot be played", no fallback


def test_the_web_plays_a_demo_greeting(demo: Demo) -> None:
    """The medarbetare's own recorded greeting, as the web finds it in the data directory."""
    config = Config.from_env(data_dir=demo.data_dir)
    app = create_app(demo.db, config, secret=b"demo-test-secret-demo-test-secret-012345")
    with TestClient(app) as client:
        web = DemoWeb(client)
        web.login("medarbetare")
        [mine] = client.get("/api/me/greeting").json()
        if not mine["recorded"]:
            pytest.skip("the medarbetare's mailbox has no recorded greeting (espeak-ng missing)")
        audio = client.get(mine["audio_url"])
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
        assert audio.content[:4] == b"RIFF"


def test_policy_check_finds_the_revision_due(demo: Demo) -> None:
    # Adopted 2018, revised 2020-09-14: the next revision was due 2023-09-14.
    (finding,) = findings(demo, "revision_due")
    assert finding["subject"] == "Policy för telefoni" and "2023-09-14" in finding["detail"]


def test_demo_changes_are_audited(demo: Demo) -> None:
    with demo.db.session() as s:
        entries = AuditRepository(s).entries(action_prefix="barring.exception")
    assert len(entries) == 3


class DemoWeb:
    """The web on a copy of the demo (so that deciding here changes nothing for other tests)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def login(self, role: str) -> None:
        self.client.cookies.clear()
        csrf = self.client.get("/api/auth/session").json()["csrf_token"]
        response = self.client.post(
            "/api/auth/login",
            json={"username": role, "password": f"sjostad-{role}"},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status_code == 200, response.text
        self.client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]


@pytest.fixture
def demo_web(demo: Demo, tmp_path: Path) -> Iterator[DemoWeb]:
    data_dir = tmp_path / "data"
    shutil.copytree(demo.data_dir, data_dir)
    config = Config.from_env(data_dir=data_dir)
    db = Database(config.db_url)
    app = create_app(db, config, secret=b"demo-test-secret-demo-test-secret-012345")
    with TestClient(app) as client:
        yield DemoWeb(client)
    db.dispose()


def test_each_demo_log_in_has_something_to_see_first(demo_web: DemoWeb) -> None:
    web = demo_web
    web.login("chef")  # the Samhällsbyggnadschef
    counts = web.client.get("/api/units/overview").json()["counts"]
    assert counts["absent_without_return"] >= 1
    assert counts["overdue_callback"] >= 1
    assert counts["missing_greeting"] >= 1
    waiting = web.client.get("/api/exceptions/requests").json()
    assert len(waiting) == 2 and all(r["may_decide"] for r in waiting)
    assert "Ansökningar om undantag som väntar på ditt beslut: 2" in web.client.get("/chef").text

    web.login("medarbetare")
    callbacks = web.client.get("/api/callbacks").json()  # mine, open
    assert any(c["caller_name"] == "Sven Ek" for c in callbacks)
    (mine,) = web.client.get("/api/exceptions/requests/mine").json()
    assert mine["status"] == "approved" and mine["decided_by_name"]

    web.login("telefonist")
    operators = web.client.get("/api/switchboard/operators").json()["operators"]
    assert len(operators) == 2 and operators[0]["me"] is True

    # The admin log-in belongs to no person, and decides the kommundirektör's request.
    web.login("admin")
    assert "administratörs beslut: 1" in web.client.get("/admin").text
    waiting = web.client.get("/api/exceptions/requests").json()
    (top,) = [r for r in waiting if r["decided_by_admin"]]
    assert top["may_decide"] is True
    approved = web.client.post(f"/api/exceptions/requests/{top['id']}/approve", json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["decided_by_name"] == "Administratören admin"
