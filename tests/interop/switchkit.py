"""A provisioned database and a running vaxel for interop tests (used by conftest.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from peers import VaxelServer, free_port

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.calls import CallRecord
from vaxel.domain.clock import TZ
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
from vaxel.domain.organisation import UnitKind
from vaxel.domain.people import Person
from vaxel.domain.presence import Channel
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.calls import CallRepository
from vaxel.storage.db import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.numbers import NumberRepository

REALM = "vaxel.test"
PLAN = NumberPlan()
PASSWORD = "interop-secret-{n}"  # long enough, and not the user name (account rules)


@dataclass(frozen=True)
class Extension:
    number: str  # the extension dialled ("2001")
    username: str  # the SIP account name (the same digits)
    password: str


def provision(database: Database, count: int, first: int = 2001) -> list[Extension]:
    """`count` people, each with an extension and a SIP account named after it."""
    made: list[Extension] = []
    with database.session() as session:
        directory = DirectoryRepository(session)
        unit = directory.add_unit(
            "Interopkommun", UnitKind.KOMMUN, None, actor="test", channel=Channel.SYSTEM
        )
        numbers = NumberRepository(session, PLAN)
        accounts = AccountRepository(session)
        since = datetime.now(TZ) - timedelta(days=1)
        for i in range(count):
            ext = str(first + i)
            person = directory.add_person(
                Person(0, f"Test Person {ext}", f"p{ext}@interop.example", unit.id),
                actor="test",
                channel=Channel.SYSTEM,
            )
            numbers.assign(
                NumberAssignment(
                    PLAN.e164_for_extension(ext),
                    NumberKind.EXTENSION,
                    person_id=person.id,
                    extension=ext,
                    valid_from=since,
                ),
                actor="test",
                channel=Channel.SYSTEM,
            )
            password = PASSWORD.format(n=f"{i:03d}x")
            accounts.create(
                ext,
                person.id,
                DeviceKind.SOFTPHONE,
                REALM,
                password,
                actor="test",
                channel=Channel.SYSTEM,
            )
            made.append(Extension(ext, ext, password))
    return made


def call_records(database: Database) -> list[CallRecord]:
    with database.session() as session:
        return list(
            CallRepository(session).between(
                datetime.now(TZ) - timedelta(days=1), datetime.now(TZ) + timedelta(days=1)
            )
        )


def wait_for_records(database: Database, count: int, timeout: float = 10.0) -> list[CallRecord]:
    deadline = time.monotonic() + timeout
    while True:
        found = call_records(database)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@dataclass
class Switch:
    """A running vaxel with its database and accounts."""

    server: VaxelServer
    database: Database
    extensions: list[Extension]
    workdir: Path

    @property
    def target(self) -> str:
        return f"{self.server.host}:{self.server.port}"

    def stop(self) -> None:
        self.server.stop()
        self.database.dispose()

    def inject_file(self, extensions: list[Extension], name: str) -> Path:
        """A SIPp injection file: user;password per line."""
        path = self.workdir / name
        lines = ["SEQUENTIAL"] + [f"{e.username};{e.password};" for e in extensions]
        path.write_text("\n".join(lines) + "\n")
        return path


def start_switch(tmp_path: Path, count: int = 52, extra: tuple[str, ...] = ()) -> Switch:
    """A database with `count` extensions, and vaxel running on it (stop it with .stop())."""
    url = f"sqlite:///{tmp_path / 'vaxel.db'}"
    database = Database(url)
    database.upgrade()
    extensions = provision(database, count)
    server = VaxelServer(
        url,
        "127.0.0.1",
        free_port(),
        tmp_path / "vaxel.log",
        extra=("--realm", REALM, "--ring-timeout", "8", *extra),
    )
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return Switch(server, database, extensions, tmp_path)
