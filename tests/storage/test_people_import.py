"""CSV import: all or nothing, every bad row named, idempotent, units created on request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from storage_helpers import NOW, Org

from vaxel.domain.accounts import digest_ha1
from vaxel.domain.people import PersonKind
from vaxel.storage import Database
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.models import AuditRow, NumberRow, PersonRow
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.people_import import ImportFailed, RowError, import_people, read_csv
from vaxel.storage.voicemail import VoicemailRepository

HEADER = "name,email,unit,title,kind,extension,mobile,end_date,keywords,sip_password"
ROWS = [
    "Eva Holm,eva.holm@testby.se,Kommunstyrelsen / IT,Nätverkstekniker,anställd,4101,"
    "070-123 45 67,,nätverk;wifi,Hemligt-losen-1",
    "Olle Berg,olle.berg@testby.se,Kommunstyrelsen / Bygglov,Bygglovshandläggare,employee,4102,"
    ",,Bygglov; Strandskydd,",
    "Sara Konsult,sara@konsult.se,Kommunstyrelsen / IT,Konsult,extern uppdragstagare,4103,"
    ",2026-12-31,,",
]
GOOD = "\n".join([HEADER, *ROWS]) + "\n"

BAD = """name;email;unit;kind;extension;end_date
Eva Holm;eva.holm@testby.se;Kommunstyrelsen / IT;anställd;4101;
Olle Berg;olle.berg@testby.se;Kommunstyrelsen / Finns inte;anställd;4102;
Sara Konsult;sara@konsult.se;Kommunstyrelsen / IT;konsult;4103;
Nils Nål;nils@testby.se;Kommunstyrelsen / IT;tillfällig;4101;
"""


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_import_creates_people_numbers_accounts_and_mailboxes(db: Database, org: Org) -> None:
    with db.session() as s:
        result = import_people(s, GOOD.encode(), now=NOW, realm="vaxel")
    assert (result.created, result.updated, result.numbers_assigned) == (3, 0, 4)
    assert (result.accounts_created, result.mailboxes_created) == (1, 3)
    with db.session() as s:
        d = DirectoryRepository(s)
        eva = d.resolve("4101", NOW)
        assert eva.email == "eva.holm@testby.se" and eva.unit_id == org.it
        assert eva.keywords == ("nätverk", "wifi")
        assert d.resolve("olle.berg@testby.se").keywords == ("bygglov", "strandskydd")
        sara = d.resolve("Sara Konsult")
        assert sara.kind is PersonKind.EXTERN and str(sara.valid_to) == "2026-12-31"
        numbers = NumberRepository(s).assignments(person_id=eva.id, at=NOW)
        assert sorted(a.e164 for a in numbers) == ["+46101304101", "+46701234567"]
        account = AccountRepository(s).account("vaxel", "4101")
        assert account is not None and account.person_id == eva.id
        # Only the digests are stored, never the password itself.
        assert account.ha1_md5 == digest_ha1("4101", "vaxel", "Hemligt-losen-1", "MD5")
        assert account.ha1_sha256 == digest_ha1("4101", "vaxel", "Hemligt-losen-1", "SHA-256")
        assert VoicemailRepository(s).mailbox("4102") is not None


def test_importing_the_same_file_twice_changes_nothing(db: Database, org: Org) -> None:
    with db.session() as s:
        import_people(s, GOOD, now=NOW)
    audit_before = count(db, AuditRow)
    with db.session() as s:
        again = import_people(s, GOOD, now=NOW)
    assert not again.changed
    assert again.unchanged == 3
    assert count(db, AuditRow) == audit_before
    assert count(db, PersonRow) == 5
    assert count(db, NumberRow) == 4


def test_reimport_updates_what_changed(db: Database, org: Org) -> None:
    with db.session() as s:
        import_people(s, GOOD, now=NOW)
    changed = GOOD.replace("Nätverkstekniker", "Nätverksansvarig").replace(",4102,", ",4104,")
    with db.session() as s:
        result = import_people(s, changed, now=NOW + timedelta(hours=1))
    assert (result.updated, result.numbers_released, result.numbers_assigned) == (1, 1, 1)
    with db.session() as s:
        d = DirectoryRepository(s)
        assert d.resolve("eva.holm@testby.se").title == "Nätverksansvarig"
        later = NOW + timedelta(hours=2)
        assert d.resolve("4104", later).name == "Olle Berg"
        assert d.find("4102", later) == []
        assert d.resolve("4102", NOW).name == "Olle Berg"  # history is kept


def test_three_bad_rows_write_nothing_and_are_all_named(db: Database, org: Org) -> None:
    people_before = count(db, PersonRow)
    with pytest.raises(ImportFailed) as info, db.session() as s:
        import_people(s, BAD.encode("utf-8-sig"), now=NOW)
    errors = info.value.errors
    assert {e.line for e in errors} == {3, 4, 5}
    by_line = {e.line: e for e in errors}
    assert (by_line[3].column, "Finns inte" in by_line[3].reason) == ("unit", True)
    assert by_line[4].column == "kind" and "konsult" in by_line[4].reason
    line5 = {e.column: e.reason for e in errors if e.line == 5}
    assert "line 2" in line5["extension"]  # 4101 is also on line 2
    assert "end date" in line5["end_date"]  # temporary staff need an end date
    assert str(by_line[3]).startswith("line 3, column unit: ")
    assert count(db, PersonRow) == people_before
    assert count(db, NumberRow) == 0


def test_unknown_units_are_created_on_request(db: Database, org: Org) -> None:
    csv_text = (
        "namn;e-post;enhet;anknytning\n"
        "Pia Ek;pia@testby.se;Socialnämnden / Socialförvaltningen / Äldreomsorg;4200\n"
        "Bo Ek;bo@testby.se;Socialnämnden / Socialförvaltningen / Äldreomsorg;4201\n"
        "Li Ek;li@testby.se;Kommunstyrelsen / IT;4202\n"
    )
    with pytest.raises(ImportFailed), db.session() as s:
        import_people(s, csv_text, now=NOW)
    with db.session() as s:
        dry = import_people(s, csv_text, now=NOW, create_units=True, dry_run=True)
    assert dry.created == 3 and dry.units_created
    assert count(db, PersonRow) == 2
    with db.session() as s:
        result = import_people(s, csv_text, now=NOW, create_units=True)
    assert result.units_created == ["Socialnämnden / Socialförvaltningen / Äldreomsorg"]
    with db.session() as s:
        d = DirectoryRepository(s)
        unit = d.find_unit("Socialnämnden / Socialförvaltningen / Äldreomsorg")
        paths = d.unit_paths()
        assert paths[unit.id] == "Testby kommun / Socialnämnden / Socialförvaltningen / Äldreomsorg"
        assert unit.parent_id is not None
        assert d.unit(unit.parent_id).kind == "förvaltning"
        assert d.resolve("4200", NOW).unit_id == unit.id


def test_number_held_by_someone_else_is_an_error(db: Database, org: Org) -> None:
    with db.session() as s:
        import_people(s, GOOD, now=NOW)
    other = "name,email,unit,extension\nNy Person,ny@testby.se,IT,4101\n"
    with pytest.raises(ImportFailed) as info, db.session() as s:
        import_people(s, other, now=NOW)
    assert info.value.errors == [
        RowError(2, "extension", "+46101304101 is already assigned to eva.holm@testby.se")
    ]


def test_header_problems_are_reported() -> None:
    with pytest.raises(ImportFailed) as info:
        read_csv("name,mail,favourite colour\n")
    columns = {e.column for e in info.value.errors}
    assert columns == {"favourite colour", "unit"}
    # Bytes that are neither UTF-8 nor Windows-1252 (0x81 and 0x8d are unassigned there).
    with pytest.raises(ImportFailed) as info:
        read_csv(b"name,email,unit\nEva Holm,eva@testby.se,IT\nBo \x81\x8d,bo@testby.se,IT\n")
    (error,) = info.value.errors
    assert (error.line, error.column) == (3, "file")
    assert "save the file as UTF-8" in error.reason
