"""A web app on a copy of the seeded database, and log-in helpers (used by the fixtures)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from seeding import PASSWORDS, Seeded, fixed_clock, make_config, open_db

from vaxel.storage.db import Database
from vaxel.web import CallControl, create_app

SECRET = b"test-secret-test-secret-test-secret-0123"


@dataclass
class Web:
    client: TestClient
    db: Database
    ids: Seeded
    data_dir: Path

    def login(self, username: str, password: str | None = None) -> str:
        """Log in as ``username``; returns the CSRF token and sets it on the client."""
        csrf = self.client.get("/api/auth/session").json()["csrf_token"]
        response = self.client.post(
            "/api/auth/login",
            json={"username": username, "password": password or PASSWORDS[username]},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status_code == 200, response.text
        token = response.headers["X-CSRF-Token"]
        self.client.headers["X-CSRF-Token"] = token
        return token

    def logout(self) -> None:
        self.client.post("/api/auth/logout")
        self.client.headers.pop("X-CSRF-Token", None)
        self.client.cookies.clear()


def make_web(
    tmp_path: Path, seeded: tuple[Path, Seeded], call_control: CallControl | None = None
) -> Iterator[Web]:
    template, ids = seeded
    config = make_config(tmp_path / "data")
    shutil.copytree(template, config.data_dir)
    db = open_db(config)
    app = create_app(db, config, call_control=call_control, clock=fixed_clock, secret=SECRET)
    with TestClient(app) as client:
        yield Web(client, db, ids, config.data_dir)
    db.dispose()
