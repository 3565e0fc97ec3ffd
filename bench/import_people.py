"""Benchmark: `vaxel people import` of a generated 10,000-person CSV (must take < 10 s).

    .venv/bin/python bench/import_people.py [--people 10000] [--postgres URL]

Times the real command (a subprocess, start-up included) on SQLite in a temporary data
directory, and on PostgreSQL too if a URL is given or VAXEL_TEST_POSTGRES_URL is set and the
server answers (in a schema of its own, dropped after). Each database: the first import, then
the same file again (nothing to change). Prints the figures; bench/RESULTS.md records them.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

LIMIT_S = 10.0
VAXEL = [sys.executable, "-m", "vaxel.cli"]
UNITS = [
    "Kommunstyrelsen / Kommunledningsförvaltningen / IT",
    "Kommunstyrelsen / Kommunledningsförvaltningen / HR",
    "Barn- och utbildningsnämnden / Utbildningsförvaltningen / Grundskola",
    "Socialnämnden / Socialförvaltningen / Äldreomsorg",
    "Miljö- och byggnadsnämnden / Samhällsbyggnadsförvaltningen / Bygglov",
    "Tekniska nämnden / Tekniska förvaltningen / VA",
]
FIRST = "Anna Eva Maria Karin Sara Lena Erik Lars Karl Anders Johan Per Nils Åsa Björn".split()  # noqa: SIM905
LAST = "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Sjöberg".split()  # noqa: SIM905


def write_csv(path: Path, people: int) -> None:
    rng = random.Random(10_000)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(
            ["name", "email", "unit", "title", "kind", "extension", "mobile", "end_date",
             "keywords", "sip_password"]
        )  # fmt: skip
        for i in range(people):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            temporary = i % 50 == 0
            out.writerow([
                name,
                f"person{i}@bench.example",
                UNITS[i % len(UNITS)],
                "Handläggare",
                "tillfällig personal" if temporary else "anställd",
                f"{20000 + i}",
                f"070{1000000 + i}" if i % 3 == 0 else "",
                "2030-12-31" if temporary else "",
                "bygglov;skolskjuts" if i % 7 == 0 else "",
                f"bench-secret-{i:05d}" if i % 5 == 0 else "",
            ])  # fmt: skip


def run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([*VAXEL, *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"vaxel {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def bench(label: str, csv_path: Path, env: dict[str, str]) -> list[tuple[str, float]]:
    run(["db", "upgrade"], env)
    first = run(["people", "import", str(csv_path), "--create-units"], env)
    again = run(["people", "import", str(csv_path)], env)
    return [(f"{label}: first import", first), (f"{label}: same file again", again)]


def postgres_schema(url: str) -> tuple[str, str] | None:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except Exception as exc:
        print(f"PostgreSQL at {url} not reachable ({type(exc).__name__}); skipped")
        return None
    separator = "&" if "?" in url else "?"
    return schema, f"{url}{separator}options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--postgres", default=os.environ.get("VAXEL_TEST_POSTGRES_URL", ""))
    options = parser.parse_args()
    base = {k: v for k, v in os.environ.items() if not k.startswith("VAXEL_")}
    # Five-digit extensions: 10,000 people do not fit in four.
    base |= {"VAXEL_EXTENSION_DIGITS": "5", "VAXEL_DID_PREFIX": "+461013"}
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "people.csv"
        write_csv(csv_path, options.people)
        print(f"{options.people} people, {csv_path.stat().st_size / 1e6:.1f} MB CSV")
        sqlite_env = base | {"VAXEL_DATA_DIR": str(Path(tmp) / "data")}
        results += bench("SQLite", csv_path, sqlite_env)
        if options.postgres:
            made = postgres_schema(options.postgres)
            if made is not None:
                schema, url = made
                try:
                    results += bench("PostgreSQL", csv_path, base | {"VAXEL_DATABASE_URL": url})
                finally:
                    drop_schema(options.postgres, schema)
    failed = False
    for label, seconds in results:
        verdict = "ok" if seconds < LIMIT_S else f"TOO SLOW (limit {LIMIT_S:.0f} s)"
        failed |= seconds >= LIMIT_S
        print(f"{label:36} {seconds:6.2f} s  {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
