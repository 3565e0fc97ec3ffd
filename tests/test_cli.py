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
    assert "schema 0005 (was empty)" in result.stdout
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


# --- what a new user runs into ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "cannot read 'not a url' as a database URL"),
        ("mysql://x@localhost/vaxel", "no driver for 'mysql'"),
    ],
)
def test_a_bad_database_url_is_one_line(tmp_path: Path, url: str, message: str) -> None:
    for command in (["db", "upgrade"], ["people", "list"]):
        result = runner.invoke(app, ["--database", url, *command])
        assert_user_error(result)
        assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_postgres_urls_as_hosting_services_write_them_use_psycopg() -> None:
    from vaxel.storage.db import database_url

    for url in ("postgres://u:p@db/vaxel", "postgresql://u:p@db/vaxel"):
        assert database_url(url).drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://u@db/v").drivername == "postgresql+psycopg"


def test_a_data_dir_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("not a directory")
    result = vaxel(occupied / "data", "people", "list")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("vaxel: the database cannot be used: cannot create")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VAXEL_DID_PREFIX", "46101"),
        ("VAXEL_EXTENSION_DIGITS", "1"),
        ("VAXEL_EXTENSION_DIGITS", "fyra"),
        ("VAXEL_CALLBACK_WITHIN_HOURS", "0"),
    ],
)
def test_a_bad_setting_is_named(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    result = vaxel(data_dir, "people", "list")
    assert_user_error(result)
    assert result.stderr.startswith(f"vaxel: {name}")


def test_tables_keep_one_row_per_line_when_piped(data_dir: Path, tmp_path: Path) -> None:
    unit = "Barn- och utbildningsnämnden / Utbildningsförvaltningen / Grundskola / Norrbyskolan"
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        f"name;email;unit;title;extension\nAgnes Eriksson;agnes@testby.se;{unit};"
        "Förstelärare i matematik och naturorienterande ämnen;4101\n",
        encoding="utf-8",
    )
    assert vaxel(data_dir, "people", "import", str(csv_file), "--create-units").exit_code == 0
    result = vaxel(data_dir, "people", "list")
    assert result.exit_code == 0, result.output
    header, agnes, total = result.stdout.splitlines()
    assert header.startswith("Name") and total == "1 person"
    assert f"Kommunen / {unit}" in agnes and "naturorienterande ämnen" in agnes


def test_people_list_finds_units_the_way_people_name_them(data_dir: Path, imported: Path) -> None:
    def names(unit: str) -> list[str]:
        result = vaxel(data_dir, "people", "list", "--unit", unit, "--format", "json")
        assert result.exit_code == 0, result.output
        return [p["name"] for p in json.loads(result.stdout)]

    assert names("Kommunen / Kommunstyrelsen / IT") == ["Eva Holm"]
    assert names("bygg") == ["Eva Berg", "Olle Berg"]  # part of a name
    assert names("Kommunen / Bygglov") == ["Eva Berg", "Olle Berg"]  # a level left out
    assert len(names("Kommunstyrelsen")) == 3  # and the units below it
    single = vaxel(data_dir, "people", "list", "--unit", "IT")
    assert single.stdout.splitlines()[-1] == "1 person"
    unknown = vaxel(data_dir, "people", "list", "--unit", "Finns inte")
    assert_user_error(unknown)
    assert "no unit 'Finns inte'" in unknown.stderr
    assert_user_error(vaxel(data_dir, "people", "list", "--unit", ""))  # not "everyone"


def test_people_list_marks_those_who_have_left(data_dir: Path, tmp_path: Path) -> None:
    ended = (datetime.now(TZ) - timedelta(days=3)).date()
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "name;email;unit;kind;end_date\n"
        f"Sara Konsult;sara@konsult.se;IT;extern uppdragstagare;{ended}\n"
        "Eva Holm;eva@testby.se;IT;;\n",
        encoding="utf-8",
    )
    assert vaxel(data_dir, "people", "import", str(csv_file), "--create-units").exit_code == 0
    listed = json.loads(vaxel(data_dir, "people", "list", "--format", "json").stdout)
    assert {p["name"]: p["active"] for p in listed} == {"Sara Konsult": False, "Eva Holm": True}
    table = vaxel(data_dir, "people", "list").stdout
    assert f"slutade {ended}" in next(line for line in table.splitlines() if "Sara" in line)


def test_people_import_file_mistakes(data_dir: Path, tmp_path: Path) -> None:
    def run(name: str, data: bytes, *options: str) -> Result:
        path = tmp_path / name
        path.write_bytes(data)
        return vaxel(data_dir, "people", "import", str(path), *options)

    empty = run("empty.csv", b"")
    assert_user_error(empty)
    assert empty.stderr.splitlines() == [
        "vaxel: line 1, column file: the file is empty",
        "vaxel: 1 problem on 1 line; nothing was imported",
    ]
    header_only = run("header.csv", b"name;email;unit\r\n")
    assert_user_error(header_only)
    assert "no people below the header line" in header_only.stderr
    missing = run("missing.csv", b"name;title\nEva;Chef\n")
    assert_user_error(missing)
    assert "line 1, column email: this column is required" in missing.stderr
    extra = run("extra.csv", b"name;email;unit;shoe_size\nEva;eva@testby.se;IT;42\n")
    assert_user_error(extra)
    assert "line 1, column shoe_size: unknown column" in extra.stderr
    folder = vaxel(data_dir, "people", "import", str(tmp_path))
    assert_user_error(folder)


def test_people_import_reads_an_excel_windows_1252_file(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "namn;e-post;enhet;anknytning\r\nÅsa Öberg;asa@testby.se;Kommunstyrelsen / IT;4101\r\n"
        .encode("cp1252")
    )  # fmt: skip
    result = vaxel(data_dir, "people", "import", str(path), "--create-units")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("imported 1 row: 1 new,")
    assert "read as Windows-1252" in result.stdout
    listed = json.loads(vaxel(data_dir, "people", "list", "--format", "json").stdout)
    assert [p["name"] for p in listed] == ["Åsa Öberg"]


def test_people_import_dry_run_counts_and_writes_nothing(data_dir: Path, imported: Path) -> None:
    changed = imported.read_text(encoding="utf-8-sig").replace(";4103;", ";4104;")
    changed_file = imported.with_name("changed.csv")
    changed_file.write_text(changed, encoding="utf-8")
    dry = vaxel(data_dir, "people", "import", str(changed_file), "--dry-run")
    assert dry.exit_code == 0, dry.output
    summary = "3 rows: 0 new, 0 updated, 3 unchanged; numbers 1 assigned, 1 released"
    assert dry.stdout.startswith(f"would import {summary}")
    assert "mailboxes 1 new" in dry.stdout
    listed = json.loads(vaxel(data_dir, "people", "list", "--format", "json").stdout)
    assert next(p for p in listed if p["name"] == "Eva Berg")["extensions"] == ["4103"]
    real = vaxel(data_dir, "people", "import", str(changed_file))
    assert real.stdout.startswith(f"imported {summary}") and "mailboxes 1 new" in real.stdout


def test_callbacks_for_a_number_and_for_nobody(data_dir: Path, imported: Path) -> None:
    for who in ("4102", "+46101304102", "010-130 41 02", "OLLE.BERG@TESTBY.SE", "olle berg"):
        result = vaxel(data_dir, "callbacks", "list", "--for", who)
        assert result.exit_code == 0, (who, result.output)
    empty = vaxel(data_dir, "callbacks", "list", "--for", "")
    assert_user_error(empty)
    assert "say who" in empty.stderr
    unknown = vaxel(data_dir, "callbacks", "list", "--for", "Nils Nilsson")
    assert_user_error(unknown)
    assert "nobody matches 'Nils Nilsson'" in unknown.stderr


@pytest.mark.parametrize(
    "when",
    ["14:00", "i morgon 08:00", "imorgon 8", "2099-12-03 08:00", "måndag 8.30", "om 2 timmar"],
)
def test_absence_set_takes_every_when_form(data_dir: Path, imported: Path, when: str) -> None:
    result = vaxel(data_dir, "absence", "set", "4102", "--reason", "meeting", "--until", when)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Olle Berg: möte, åter 20")


def test_absence_messages_name_the_option(data_dir: Path, imported: Path) -> None:
    no_return = vaxel(data_dir, "absence", "set", "4101", "--reason", "lunch")
    assert_user_error(no_return)
    assert no_return.stderr.startswith("vaxel: --until: a return time is required for lunch")
    garbage = vaxel(data_dir, "absence", "set", "4101", "--reason", "lunch", "--until", "snart")
    assert garbage.stderr.startswith("vaxel: --until: cannot read 'snart' as a time")
    past = vaxel(data_dir, "absence", "set", "4101", "--reason", "kurs", "--until", "2020-01-01")
    assert_user_error(past)
    assert "2020-01-01 08:00 has already passed" in past.stderr
    fika = vaxel(data_dir, "absence", "set", "4101", "--reason", "fika", "--until", "14:00")
    assert fika.stderr.startswith("vaxel: --reason: unknown reason 'fika'; use one of: lunch, möte")
    sick = vaxel(data_dir, "absence", "set", "4101", "--reason", "sick")
    assert sick.exit_code == 0 and sick.stdout == "Eva Holm: sjuk, okänd återkomst\n"
