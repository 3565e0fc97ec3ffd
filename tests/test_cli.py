"""The command-line contract (docs/cli.md), through Typer's test runner on a SQLite data dir."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from vaxel import app as composition
from vaxel.cli import app
from vaxel.config import Config
from vaxel.domain.callbacks import CallbackReason
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Channel
from vaxel.storage import Database
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.directory import DirectoryRepository

CSV = """name;email;unit;title;kind;extension;mobile;end_date;keywords;sip_password
Eva Holm;eva.holm@testby.se;Kommunstyrelsen / IT;Nätverkstekniker;anställd;4101;0701234567;;nätverk;Hemligt-losen-1
Olle Berg;olle.berg@testby.se;Kommunstyrelsen / Bygglov;Handläggare;anställd;4102;;;bygglov;
Eva Berg;eva.berg@testby.se;Kommunstyrelsen / Bygglov;Handläggare;anställd;4103;;;bygglov;
"""  # noqa: E501

BAD_CSV = """name,email,unit,kind,extension,end_date
Ann Ek,ann@testby.se,Kommunstyrelsen / IT,anställd,4101,
Bo Ek,bo@testby.se,Kommunstyrelsen / IT,chef,4102,
Cy Ek,cy@testby.se,Kommunstyrelsen / Saknas,anställd,4103,
Di Ek,diatestby.se,Kommunstyrelsen / IT,extern,4104,
"""

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VAXEL_DATABASE_URL", "VAXEL_DATA_DIR", "VAXEL_SIP", "VAXEL_HTTP"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def vaxel(data_dir: Path, *args: str) -> Result:
    return runner.invoke(app, ["--data-dir", str(data_dir), *args])


def assert_user_error(result: Result) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("vaxel: ")


@pytest.fixture
def imported(data_dir: Path, tmp_path: Path) -> Path:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(CSV, encoding="utf-8-sig")
    result = vaxel(data_dir, "people", "import", str(csv_file), "--create-units")
    assert result.exit_code == 0, result.output
    return csv_file


def test_db_upgrade(data_dir: Path) -> None:
    result = vaxel(data_dir, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "schema 0001 (was empty)" in result.stdout
    again = vaxel(data_dir, "db", "upgrade")
    assert again.exit_code == 0 and "(was" not in again.stdout


def test_people_import_creates_units_and_is_idempotent(data_dir: Path, imported: Path) -> None:
    again = vaxel(data_dir, "people", "import", str(imported))
    assert again.exit_code == 0, again.output
    assert "3 rows: 0 new, 0 updated, 3 unchanged" in again.stdout
    listed = json.loads(vaxel(data_dir, "people", "list", "--format", "json").stdout)
    assert [p["name"] for p in listed] == ["Eva Berg", "Eva Holm", "Olle Berg"]
    eva = next(p for p in listed if p["name"] == "Eva Holm")
    assert eva["extensions"] == ["4101"] and "+46701234567" in eva["numbers"]
    assert eva["unit"] == "Kommunen / Kommunstyrelsen / IT"


def test_people_import_without_create_units_names_the_unit(data_dir: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    result = vaxel(data_dir, "people", "import", str(csv_file))
    assert_user_error(result)
    assert "line 2, column unit: no unit 'Kommunstyrelsen / IT'" in result.stderr
    assert "--create-units" in result.stderr


def test_people_import_bad_rows_write_nothing(
    data_dir: Path, tmp_path: Path, imported: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    result = vaxel(data_dir, "people", "import", str(bad))
    assert_user_error(result)
    lines = result.stderr.splitlines()
    assert any(line.startswith("vaxel: line 2, column extension: ") for line in lines)  # 4101
    assert any(line.startswith("vaxel: line 3, column kind: ") for line in lines)
    assert any(line.startswith("vaxel: line 4, column unit: ") for line in lines)
    assert any(line.startswith("vaxel: line 5, column email: ") for line in lines)
    assert lines[-1] == "vaxel: 6 problems on 4 lines; nothing was imported"  # 4103 is taken too
    listed = json.loads(vaxel(data_dir, "people", "list", "--format", "json").stdout)
    assert len(listed) == 3


def test_people_import_dry_run_and_missing_file(data_dir: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    dry = vaxel(data_dir, "people", "import", str(csv_file), "--create-units", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would import 3 rows: 3 new" in dry.stdout
    assert "would create unit: Kommunstyrelsen / IT" in dry.stdout
    assert json.loads(vaxel(data_dir, "people", "list", "--format", "json").stdout) == []
    assert_user_error(vaxel(data_dir, "people", "import", str(tmp_path / "nope.csv")))


def test_people_list_table_and_unit(data_dir: Path, imported: Path) -> None:
    table = vaxel(data_dir, "people", "list", "--unit", "Kommunstyrelsen / Bygglov")
    assert table.exit_code == 0, table.output
    assert "Olle Berg" in table.stdout and "Eva Holm" not in table.stdout
    assert "2 people" in table.stdout
    assert_user_error(vaxel(data_dir, "people", "list", "--unit", "Finns inte"))


def test_absence_set_and_clear(data_dir: Path, imported: Path) -> None:
    result = vaxel(
        data_dir, "absence", "set", "4102", "--reason", "möte", "--until", "i morgon 08:00",
        "--note", "Planeringsdag",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Olle Berg: möte, åter ")
    listed = json.loads(vaxel(data_dir, "people", "list", "--format", "json").stdout)
    olle = next(p for p in listed if p["name"] == "Olle Berg")
    assert olle["absence"]["reason"] == "möte"
    assert olle["absence"]["until"].endswith(("T08:00:00+01:00", "T08:00:00+02:00"))
    cleared = vaxel(data_dir, "absence", "clear", "olle.berg@testby.se")
    assert cleared.exit_code == 0 and "tillgänglig" in cleared.stdout
    sick = vaxel(data_dir, "absence", "set", "Eva Holm", "--reason", "sjuk")
    assert sick.exit_code == 0, sick.output


def test_absence_mistakes_are_one_line(data_dir: Path, imported: Path) -> None:
    ambiguous = vaxel(data_dir, "absence", "set", "Eva", "--reason", "lunch", "--until", "13:00")
    assert_user_error(ambiguous)
    assert "eva.holm@testby.se" in ambiguous.stderr and "eva.berg@testby.se" in ambiguous.stderr
    assert len(ambiguous.stderr.splitlines()) == 1
    assert_user_error(
        vaxel(data_dir, "absence", "set", "4101", "--reason", "fika", "--until", "13:00")
    )
    no_return = vaxel(data_dir, "absence", "set", "4101", "--reason", "lunch")
    assert_user_error(no_return)
    assert "until:" in no_return.stderr
    bad_time = vaxel(data_dir, "absence", "set", "4101", "--reason", "lunch", "--until", "snart")
    assert_user_error(bad_time)
    assert_user_error(vaxel(data_dir, "absence", "clear", "9999"))


def test_callbacks_list(data_dir: Path, imported: Path) -> None:
    db = Database(Config.from_env(data_dir=data_dir).db_url)
    now = datetime.now(TZ)
    with db.session() as s:
        olle = DirectoryRepository(s).resolve("4102")
        callbacks = CallbackRepository(s)
        callbacks.create(
            "+46701112233", CallbackReason.MISSED_CALL, at=now - timedelta(days=5), actor="t",
            channel=Channel.CLI, for_person_id=olle.id, caller_name="Per Persson",
        )  # fmt: skip
        callbacks.create(
            "+46704445566", CallbackReason.VOICEMAIL, at=now, actor="t", channel=Channel.CLI,
            for_person_id=DirectoryRepository(s).resolve("4101").id,
        )  # fmt: skip
    db.dispose()
    everyone = json.loads(vaxel(data_dir, "callbacks", "list", "--format", "json").stdout)
    assert [(t["caller_number"], t["overdue"]) for t in everyone] == [
        ("+46701112233", True),
        ("+46704445566", False),
    ]
    olle_only = vaxel(data_dir, "callbacks", "list", "--for", "Olle Berg")
    assert olle_only.exit_code == 0, olle_only.output
    assert "Per Persson" in olle_only.stdout and "+46704445566" not in olle_only.stdout
    assert "1 open, 1 overdue" in olle_only.stdout
    assert_user_error(vaxel(data_dir, "callbacks", "list", "--for", "Eva"))


def test_policy_check(data_dir: Path, imported: Path) -> None:
    result = vaxel(data_dir, "policy", "check", "--format", "json")
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    # Imported mailboxes have only the default greeting: each is a finding.
    greetings = {f["subject"] for f in findings if f["kind"] == "missing_greeting"}
    assert greetings == {"Eva Holm", "Olle Berg", "Eva Berg"}
    table = vaxel(data_dir, "policy", "check")
    assert table.exit_code == 0 and "3 findings" in table.stdout


def test_serve_takes_its_options(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Config] = []
    monkeypatch.setattr(composition, "serve", seen.append)
    result = runner.invoke(
        app,
        ["serve", "--data-dir", str(data_dir), "--database", "sqlite:///x.db", "--sip",
         "127.0.0.1:5070", "--http", "0.0.0.0:9000"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (config,) = seen
    assert config.db_url == "sqlite:///x.db"
    assert (config.sip.host, config.sip.port, config.http.port) == ("127.0.0.1", 5070, 9000)
    assert_user_error(runner.invoke(app, ["serve", "--http", "localhost"]))


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    result = runner.invoke(app, ["--database", url, "people", "list"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.startswith("vaxel: the database cannot be used")
