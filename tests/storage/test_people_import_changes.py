"""People import beyond the first load: numbers in every format, numbers changing hands, people
who have left, dry runs that tell the truth, and a process killed half-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import asdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from storage_helpers import CLI, NOW, Org

from vaxel.domain.accounts import digest_ha1
from vaxel.domain.numbers import NumberKind
from vaxel.domain.voicemail import GreetingState
from vaxel.storage import Database
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.models import AuditRow, MailboxRow, NumberRow, PersonRow, UnitRow
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.people_import import ImportFailed, ImportResult, RowError, import_people
from vaxel.storage.voicemail import VoicemailRepository

HEADER = "name;email;unit;kind;extension;mobile;end_date;sip_password"


def csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def counts(db: Database) -> tuple[int, ...]:
    with db.session() as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(model)) or 0)
            for model in (PersonRow, NumberRow, MailboxRow, UnitRow, AuditRow)
        )


def problems(db: Database, text: str, **options: bool) -> list[RowError]:
    with pytest.raises(ImportFailed) as info, db.session() as s:
        import_people(s, text, now=NOW, **options)
    return info.value.errors


@pytest.mark.parametrize(
    "mobile",
    ["070-123 45 67", "0701234567", "+46701234567", "0046 70 123 45 67", "+46 (0)70-1234567"],
)
def test_a_mobile_in_any_usual_format_is_stored_in_e164(
    db: Database, org: Org, mobile: str
) -> None:
    with db.session() as s:
        import_people(s, csv(f"Eva Holm;eva@testby.se;IT;anställd;4101;{mobile};;"), now=NOW)
    with db.session() as s:
        (found,) = NumberRepository(s).assignments(kind=NumberKind.MOBILE, at=NOW)
    assert found.e164 == "+46701234567"


@pytest.mark.parametrize(
    ("mobile", "reason"),
    [
        ("070-12", "is not a valid phone number"),
        ("ring mig", "cannot be read as a phone number"),
        ("08-123 456 78", "is not a mobile number"),  # an office line in the mobile column
        ("010-130 41 05", "is an extension's number"),  # one of our own
    ],
)
def test_a_bad_mobile_is_named(db: Database, org: Org, mobile: str, reason: str) -> None:
    (error,) = problems(db, csv(f"Eva Holm;eva@testby.se;IT;anställd;4101;{mobile};;"))
    assert (error.line, error.column) == (2, "mobile") and reason in error.reason


def test_the_same_number_twice_in_one_row_says_so(db: Database, org: Org) -> None:
    errors = problems(db, csv("Eva Holm;eva@testby.se;IT;;4101;+46101304101;;"))
    assert errors == [
        RowError(
            2, "mobile", "+46101304101 is an extension's number; put it in the extension column"
        )
    ]


def test_duplicates_in_the_file_and_against_the_directory(db: Database, org: Org) -> None:
    with db.session() as s:
        import_people(s, csv("Eva Holm;eva@testby.se;IT;;4101;0701234567;;"), now=NOW)
    before = counts(db)
    errors = problems(
        db,
        csv(
            "Ny Ett;ny1@testby.se;IT;;4201;;;",
            "Ny Två;NY1@testby.se;IT;;4202;;;",  # same e-mail, other case
            "Ny Tre;ny3@testby.se;IT;;4201;;;",  # same extension as line 2
            "Ny Fyra;ny4@testby.se;IT;;4101;;;",  # Eva's extension
            "Ny Fem;ny5@testby.se;IT;;;070-123 45 67;;",  # Eva's mobile
        ),
    )
    assert errors == [
        RowError(3, "email", "ny1@testby.se is also on line 2"),
        RowError(4, "extension", "+46101304201 is also on line 2"),
        RowError(5, "extension", "+46101304101 is already assigned to eva@testby.se"),
        RowError(6, "mobile", "+46701234567 is already assigned to eva@testby.se"),
    ]
    assert counts(db) == before


def test_kind_in_swedish_or_english_with_or_without_a_and_o(db: Database, org: Org) -> None:
    rows = [
        f"P{i};p{i}@testby.se;IT;{kind};;;2027-01-31;"
        for i, kind in enumerate(
            ["Anställd", "employee", "fortroendevald", "Elected official", "tillfällig",
             "Temporary staff", "extern uppdragstagare", "CONTRACTOR"]
        )
    ]  # fmt: skip
    with db.session() as s:
        assert import_people(s, csv(*rows), now=NOW).created == 8
    with db.session() as s:
        kinds = [str(p.kind) for p in DirectoryRepository(s).people(org.it) if p.email[0] == "p"]
    assert sorted(kinds) == sorted(
        ["anställd"] * 2 + ["förtroendevald"] * 2 + ["tillfällig personal"] * 2
        + ["extern uppdragstagare"] * 2
    )  # fmt: skip


def test_no_new_number_for_someone_whose_end_date_has_passed(db: Database, org: Org) -> None:
    ended = str((NOW - timedelta(days=1)).date())
    errors = problems(db, csv(f"Gammal Konsult;gk@konsult.se;IT;extern;4301;;{ended};"))
    assert errors == [
        RowError(
            2,
            "extension",
            f"the end date {ended} has passed; a number cannot be given to someone who has left",
        )
    ]
    # Without numbers the person may be recorded (the directory keeps who worked here) ...
    with db.session() as s:
        assert import_people(s, csv(f"Gammal Konsult;gk@konsult.se;IT;extern;;;{ended};"), now=NOW)
    # ... and someone who already holds a number keeps it (reported by policy check).
    later = str((NOW + timedelta(days=30)).date())
    with db.session() as s:
        import_people(s, csv(f"Sara Ek;sara@konsult.se;IT;extern;4302;;{later};"), now=NOW)
    with db.session() as s:
        again = import_people(
            s,
            csv(f"Sara Ek;sara@konsult.se;IT;extern;4302;;{later};"),
            now=NOW + timedelta(days=60),
        )
    assert again.unchanged == 1 and not again.changed


def test_numbers_change_hands_in_one_file(db: Database, org: Org) -> None:
    with db.session() as s:
        import_people(
            s,
            csv(
                "Eva Holm;eva@testby.se;IT;;4101;;;Evas-hemliga-1",
                "Olle Berg;olle@testby.se;Bygglov;;4102;0701234567;;",
            ),
            now=NOW,
        )
        box = VoicemailRepository(s).mailbox("4101")
        assert box is not None
        VoicemailRepository(s).set_greeting(
            box.id, GreetingState.RECORDED, "greetings/eva.wav", actor="t", channel=CLI
        )
        VoicemailRepository(s).add_message(box.id, "+46812345678", NOW, 12.0, "vm/eva-1.wav")
        VoicemailRepository(s).set_pin_hash(box.id, "$argon2id$eva", actor="eva", channel=CLI)
    later = NOW + timedelta(hours=1)
    swapped = csv(
        "Eva Holm;eva@testby.se;IT;;4102;0701234567;;",
        "Olle Berg;olle@testby.se;Bygglov;;4101;;;Olles-hemliga-1",
    )
    with db.session() as s:
        dry = import_people(s, swapped, now=later, dry_run=True)
    with db.session() as s:
        result = import_people(s, swapped, now=later)
    assert (result.numbers_released, result.numbers_assigned) == (3, 3)
    assert (result.mailboxes_moved, result.accounts_moved) == (2, 1)
    assert result.voicemail_files_removed == ["vm/eva-1.wav"]
    assert asdict(dry) == asdict(result) | {"dry_run": True, "voicemail_files_removed": []}
    with db.session() as s:
        d = DirectoryRepository(s)
        assert d.resolve("4101", later).name == "Olle Berg"
        assert d.resolve("4102", later).name == "Eva Holm"
        assert d.resolve("070-123 45 67", later).name == "Eva Holm"
        assert d.resolve("4101", NOW).name == "Eva Holm"  # history is kept
        olle = d.resolve("olle@testby.se")
        voicemail = VoicemailRepository(s)
        box = voicemail.mailbox("4101")
        # The mailbox follows the extension, without Eva's greeting, messages or PIN (Olle
        # chooses his own from his phone; Eva's must not open his mailbox).
        assert box is not None and box.person_id == olle.id
        assert box.greeting is GreetingState.DEFAULT and voicemail.messages(box.id) == []
        assert voicemail.pin_hash(box.id) is None
        account = AccountRepository(s).account("vaxel", "4101")
        assert account is not None and account.person_id == olle.id
        assert account.ha1_md5 == digest_ha1("4101", "vaxel", "Olles-hemliga-1", "MD5")


def test_an_account_taken_over_without_a_password_is_switched_off(db: Database, org: Org) -> None:
    with db.session() as s:
        import_people(s, csv("Eva Holm;eva@testby.se;IT;;4101;;;Evas-hemliga-1"), now=NOW)
    with db.session() as s:  # Eva leaves the extension
        import_people(s, csv("Eva Holm;eva@testby.se;IT;;;;;"), now=NOW + timedelta(hours=1))
    with db.session() as s:  # and Olle gets it, but no password in the file
        result = import_people(
            s, csv("Olle Berg;olle@testby.se;IT;;4101;;;"), now=NOW + timedelta(hours=2)
        )
    assert result.accounts_moved == 1
    with db.session() as s:
        olle = DirectoryRepository(s).resolve("olle@testby.se")
        # Only Eva knows its password: it must not register as Olle's phone.
        assert AccountRepository(s).account("vaxel", "4101") is None  # enabled accounts only
        (account,) = AccountRepository(s).accounts(olle.id)
        assert account.username == "4101"
    with db.session() as s:  # a password later switches it on again
        again = import_people(
            s,
            csv("Olle Berg;olle@testby.se;IT;;4101;;;Olles-hemliga-1"),
            now=NOW + timedelta(hours=3),
        )
    assert again.accounts_updated == 1
    with db.session() as s:
        assert AccountRepository(s).account("vaxel", "4101") is not None


def test_a_dry_run_counts_what_a_real_import_does_and_writes_nothing(
    db: Database, org: Org
) -> None:
    first = csv(
        "Eva Holm;eva@testby.se;IT;;4101;0701234567;;Evas-hemliga-1",
        "Olle Berg;olle@testby.se;Ny enhet;;4102;;;",
    )
    with db.session() as s:
        dry = import_people(s, first, now=NOW, create_units=True, dry_run=True)
    assert counts(db)[:4] == (2, 0, 0, 4)
    with db.session() as s:
        real = import_people(s, first, now=NOW, create_units=True)
    assert asdict(dry) == asdict(real) | {"dry_run": True}
    assert (real.created, real.numbers_assigned, real.mailboxes_created) == (2, 3, 2)
    changed = csv(
        "Eva Holm;eva@testby.se;IT;;4103;;;Evas-nya-lösen-2",
        "Olle Berg;olle@testby.se;Ny enhet;;4102;;;",
    )
    before = counts(db)
    with db.session() as s:
        dry = import_people(s, changed, now=NOW + timedelta(hours=1), dry_run=True)
    assert counts(db) == before
    with db.session() as s:
        assert AccountRepository(s).account("vaxel", "4101") is not None  # untouched
        real = import_people(s, changed, now=NOW + timedelta(hours=1))
    assert asdict(dry) == asdict(real) | {"dry_run": True}
    assert (real.numbers_released, real.numbers_assigned, real.mailboxes_created) == (2, 1, 1)


def test_an_unknown_unit_with_levels_left_out_gets_a_suggestion(db: Database, org: Org) -> None:
    errors = problems(db, csv("Eva Holm;eva@testby.se;Testby kommun / IT;;;;;"))
    assert errors == [
        RowError(
            2,
            "unit",
            "no unit 'Testby kommun / IT'; did you mean 'Testby kommun / Kommunstyrelsen / IT'?",
        )
    ]


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from vaxel.domain.clock import TZ
    from vaxel.storage import Database
    from vaxel.storage.people_import import import_people

    def die(done, total):
        if done >= total // 2:  # the people are written, numbers and the rest are not
            os.kill(os.getpid(), signal.SIGKILL)

    db = Database(sys.argv[1])
    with db.session() as s:
        import_people(s, sys.stdin.read(), now=datetime.now(TZ), progress=die, create_units=True)
    print("committed")
    """
)


def test_a_process_killed_half_way_leaves_nothing_behind(db: Database, org: Org) -> None:
    rows = [f"Person {i};p{i}@testby.se;Ny enhet {i % 3};;{5000 + i};;;" for i in range(1000)]
    before = counts(db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAXEL_")}
    done = subprocess.run(
        [sys.executable, "-c", KILLER, db.url],
        input=csv(*rows),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "committed" not in done.stdout
    assert counts(db) == before
    # And the same file imports cleanly afterwards (no lock or half-written state is left).
    with db.session() as s:
        assert import_people(s, csv(*rows), now=NOW, create_units=True).created == 1000


def test_importing_twice_changes_nothing_and_result_is_a_dataclass(db: Database, org: Org) -> None:
    text = csv("Åsa Öberg;asa@testby.se;Kommunstyrelsen / IT;anställd;4101;070-123 45 67;;")
    with db.session() as s:
        import_people(s, text, now=NOW)
    before = counts(db)
    with db.session() as s:
        again = import_people(s, text, now=NOW + timedelta(days=1))
    assert isinstance(again, ImportResult) and not again.changed and again.unchanged == 1
    assert counts(db) == before
