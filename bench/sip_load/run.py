"""SIP load benchmark: SIPp uac → vaxel (B2BUA, uvloop) → SIPp uas, all on loopback.

Every call is authenticated (INVITE, 407, INVITE with credentials) and reaches a callee that
is registered with digest auth. Every run is bounded in calls and in time, and stops itself.

    .venv/bin/python bench/sip_load/run.py cps --rates 200,300,400,500 --seconds 60
    .venv/bin/python bench/sip_load/run.py setup --rate 100 --seconds 60
    .venv/bin/python bench/sip_load/run.py register --rates 1000,1500,2000 --seconds 20
    .venv/bin/python bench/sip_load/run.py soak --rate 100 --seconds 600 --hold 30

`cps`: for each rate, whether it held with no failed call (and the retransmission share).
`setup`: call-setup time (INVITE with credentials sent → 200 received) p50/p99.
`register`: authenticated REGISTERs per second (401 challenge + REGISTER with credentials).
`soak`: a long run with long calls, sampling vaxel's resident memory every 10 s.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "interop" / "scenarios"
REALM = "bench.vaxel"
CALLER = ("3001", "bench-secret-caller")
CALLEE = ("3002", "bench-secret-callee")
SIPP_REGISTER_PROCESSES = 4  # SIPp processes (one account each) sharing the REGISTER load
REGISTRANTS = [(str(3100 + i), f"bench-secret-r{i:03d}") for i in range(20)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def provision(url: str) -> None:
    """A caller, a callee and some accounts to register, through storage's repositories."""
    from vaxel.domain.accounts import DeviceKind
    from vaxel.domain.clock import TZ
    from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
    from vaxel.domain.organisation import UnitKind
    from vaxel.domain.people import Person
    from vaxel.domain.presence import Channel
    from vaxel.storage.accounts import AccountRepository
    from vaxel.storage.db import Database
    from vaxel.storage.directory import DirectoryRepository
    from vaxel.storage.numbers import NumberRepository

    database = Database(url)
    database.upgrade()
    plan = NumberPlan()
    since = datetime.now(TZ) - timedelta(days=1)
    with database.session() as session:
        directory = DirectoryRepository(session)
        unit = directory.add_unit(
            "Benchkommun", UnitKind.KOMMUN, None, actor="bench", channel=Channel.SYSTEM
        )
        for ext, password in [CALLER, CALLEE, *REGISTRANTS]:
            person = directory.add_person(
                Person(0, f"Bench {ext}", f"b{ext}@bench.example", unit.id),
                actor="bench",
                channel=Channel.SYSTEM,
            )
            NumberRepository(session, plan).assign(
                NumberAssignment(
                    plan.e164_for_extension(ext),
                    NumberKind.EXTENSION,
                    person_id=person.id,
                    extension=ext,
                    valid_from=since,
                ),
                actor="bench",
                channel=Channel.SYSTEM,
            )
            AccountRepository(session).create(
                ext,
                person.id,
                DeviceKind.SOFTPHONE,
                REALM,
                password,
                actor="bench",
                channel=Channel.SYSTEM,
            )
    database.dispose()


@dataclass
class Vaxel:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    # The callee's SIPp listens here in every run against this vaxel, so each run's REGISTER
    # refreshes one binding: a new port per run would leave the old runs' contacts
    # registered (Expires 3600), and every call would also ring those dead ports.
    uas_port: int = field(default_factory=free_port)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_vaxel(workdir: Path, url: str, gc_log: Path | None = None) -> Vaxel:
    port = free_port()
    log = workdir / "vaxel.log"
    profile = os.environ.get("VAXEL_BENCH_PROFILE")  # a path: run vaxel under cProfile
    prefix = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
    if gc_log is not None:  # time every garbage collection in vaxel (see gcwatch.py)
        prefix = [sys.executable, str(Path(__file__).with_name("gcwatch.py")), str(gc_log)]
    proc = subprocess.Popen(
        [
            *prefix,
            "-m",
            "vaxel.switch.server",
            "--database",
            url,
            "--sip",
            f"127.0.0.1:{port}",
            "--realm",
            REALM,
            "--ring-timeout",
            "20",
            "--rate",
            "1000000",
            "--burst",
            "1000000",
            "--log-level",
            "WARNING",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if options_ok(port):
            return Vaxel(proc, port, log)
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("vaxel did not start: " + log.read_text()[-2000:])


def options_ok(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(0.3)
        msg = (
            f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:"
            f"{s.getsockname()[1]};branch=z9hG4bKbench{time.monotonic_ns()}\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:b@x>;tag=1\r\nTo: <sip:v@x>\r\n"
            f"Call-ID: bench{time.monotonic_ns()}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        s.sendto(msg.encode(), ("127.0.0.1", port))
        try:
            return s.recv(65535).startswith(b"SIP/2.0 200")
        except OSError:
            return False


def sipp(
    workdir: Path, name: str, scenario: str, port: int, target: str, args: list[str]
) -> subprocess.Popen[bytes]:
    cmd = [
        "sipp",
        target,
        "-sf",
        str(SCENARIOS / scenario),
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "-nostdin",
        "-trace_stat",
        "-stf",
        str(workdir / f"{name}.csv"),
        "-fd",
        "1",
        "-trace_err",
        "-error_file",
        str(workdir / f"{name}.err"),
        "-max_recv_loops",
        "10000",
        "-max_sched_loops",
        "10000",
        *args,
    ]
    (workdir / f"{name}.cmd").write_text(" ".join(cmd) + "\n")
    return subprocess.Popen(
        cmd, cwd=workdir, stdout=(workdir / f"{name}.out").open("wb"), stderr=subprocess.STDOUT
    )


def last_stats(path: Path) -> dict[str, str]:
    with path.open() as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return dict(zip(rows[0], rows[-1], strict=False))


def register_callee(workdir: Path, vaxel: Vaxel, contact_port: int) -> None:
    proc = sipp(
        workdir,
        "register-callee",
        "register.xml",
        free_port(),
        f"127.0.0.1:{vaxel.port}",
        [
            "-au",
            CALLEE[0],
            "-ap",
            CALLEE[1],
            "-key",
            "user",
            CALLEE[0],
            "-key",
            "domain",
            REALM,
            "-key",
            "contact_port",
            str(contact_port),
            "-key",
            "expires",
            "3600",
            "-m",
            "1",
            "-timeout",
            "10",
        ],
    )
    if proc.wait(15) != 0:
        raise RuntimeError("the callee did not register")


def run_calls(
    workdir: Path,
    vaxel: Vaxel,
    rate: float,
    seconds: float,
    hold_ms: int,
    rtt: bool = False,
    tag: str = "",
) -> dict[str, object]:
    """uac at `rate` cps for `seconds` through vaxel to a registered uas; SIPp's verdict."""
    uas_port = vaxel.uas_port
    calls = int(rate * seconds)
    name = f"calls-{tag or int(rate)}"
    uas = sipp(
        workdir,
        name + "-uas",
        "uas.xml",
        uas_port,
        f"127.0.0.1:{vaxel.port}",
        ["-timeout", str(int(seconds + 60))],
    )
    try:
        register_callee(workdir, vaxel, uas_port)
    except BaseException:
        uas.kill()
        raise
    extra = ["-trace_rtt", "-rtt_freq", "1"] if rtt else []
    started = time.monotonic()
    uac = sipp(
        workdir,
        name + "-uac",
        "uac.xml",
        free_port(),
        f"127.0.0.1:{vaxel.port}",
        [
            "-s",
            CALLEE[0],
            "-au",
            CALLER[0],
            "-ap",
            CALLER[1],
            "-key",
            "user",
            CALLER[0],
            "-key",
            "domain",
            REALM,
            "-r",
            str(rate),
            "-m",
            str(calls),
            "-d",
            str(hold_ms),
            "-l",
            str(int(rate * (hold_ms / 1000 + 5)) + 100),
            "-timeout",
            str(int(seconds + 60)),
            "-timeout_error",
            *extra,
        ],
    )
    rss: list[int] = []
    try:
        while uac.poll() is None:
            time.sleep(1)
            rss.append(vaxel.rss_kib())
            if time.monotonic() - started > seconds + 90:
                uac.kill()
    finally:
        uac.kill()
        uas.terminate()
        uas.wait(10)
    elapsed = time.monotonic() - started
    stats = last_stats(workdir / f"{name}-uac.csv")
    ok = int(stats.get("SuccessfulCall(C)", 0))
    failed = int(stats.get("FailedCall(C)", 0))
    retrans = int(stats.get("Retransmissions(C)", 0))
    result: dict[str, object] = {
        "rate": rate,
        "calls": calls,
        "successful": ok,
        "failed": failed,
        "retransmissions": retrans,
        "retransmission_share": retrans / max(1, ok * 6),
        "elapsed_s": round(elapsed, 1),
        "rss_kib_max": max(rss, default=0),
        "rss_kib_first": rss[0] if rss else 0,
        "rss_kib_last": rss[-1] if rss else 0,
        "rss_kib_every_30s": rss[::30],
    }
    if rtt:
        times = []
        for path in workdir.glob("uac_*_rtt.csv"):
            with path.open() as handle:
                for row in csv.reader(handle, delimiter=";"):
                    if len(row) >= 2 and row[0] != "Date_ms":
                        with contextlib.suppress(ValueError):
                            times.append(float(row[1]))
            path.rename(workdir / f"{name}-rtt.csv")
        times.sort()
        if times:
            result["setup_ms_p50"] = round(statistics.median(times), 2)
            result["setup_ms_p99"] = round(times[min(len(times) - 1, int(len(times) * 0.99))], 2)
            result["setup_samples"] = len(times)
    return result


def run_register(workdir: Path, vaxel: Vaxel, rate: float, seconds: float) -> dict[str, object]:
    """Authenticated REGISTERs at `rate`/s, spread over several accounts and SIPp processes."""
    procs = []
    per = rate / len(REGISTRANTS[:SIPP_REGISTER_PROCESSES])
    for ext, password in REGISTRANTS[:SIPP_REGISTER_PROCESSES]:
        procs.append(
            sipp(
                workdir,
                f"reg-{int(rate)}-{ext}",
                "register.xml",
                free_port(),
                f"127.0.0.1:{vaxel.port}",
                [
                    "-au",
                    ext,
                    "-ap",
                    password,
                    "-key",
                    "user",
                    ext,
                    "-key",
                    "domain",
                    REALM,
                    "-key",
                    "contact_port",
                    "5999",
                    "-key",
                    "expires",
                    "600",
                    "-r",
                    str(per),
                    "-m",
                    str(int(per * seconds)),
                    "-timeout",
                    str(int(seconds + 30)),
                ],
            )
        )
    started = time.monotonic()
    for proc in procs:
        proc.wait(seconds + 60)
    elapsed = time.monotonic() - started
    ok = failed = retrans = 0
    for ext, _ in REGISTRANTS[:SIPP_REGISTER_PROCESSES]:
        stats = last_stats(workdir / f"reg-{int(rate)}-{ext}.csv")
        ok += int(stats.get("SuccessfulCall(C)", 0))
        failed += int(stats.get("FailedCall(C)", 0))
        retrans += int(stats.get("Retransmissions(C)", 0))
    return {
        "rate": rate,
        "successful": ok,
        "failed": failed,
        "retransmissions": retrans,
        "elapsed_s": round(elapsed, 1),
        "achieved_per_s": round(ok / elapsed, 1),
    }


def gc_pauses(path: Path) -> dict[str, object]:
    """The garbage collections vaxel made during a run: count and worst pause per generation."""
    pauses: dict[int, list[float]] = {}
    with contextlib.suppress(FileNotFoundError):
        for line in path.read_text().splitlines():
            generation, seconds, _ = line.split()
            pauses.setdefault(int(generation), []).append(float(seconds))
    return {
        f"gen{generation}": {
            "collections": len(times),
            "max_ms": round(1000 * max(times), 1),
            "total_ms": round(1000 * sum(times), 1),
        }
        for generation, times in sorted(pauses.items())
    }


def machine() -> dict[str, object]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    sipp_version = subprocess.run(["sipp", "-v"], capture_output=True, text=True).stdout
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "sipp": sipp_version.strip().splitlines()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["cps", "setup", "register", "soak"])
    parser.add_argument("--rates", default="200,300,400")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--hold", type=float, default=0.5, help="call length in seconds")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--gc-log", action="store_true", help="time vaxel's garbage collections (per run)"
    )
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        print("sipp is not installed (Debian: sip-tester)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="vaxel-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    provision(url)
    results: dict[str, object] = {
        "mode": args.mode,
        "machine": machine(),
        "workdir": str(workdir),
        "runs": [],
    }
    runs: list[dict[str, object]] = results["runs"]  # type: ignore[assignment]
    gc_log = workdir / "gc.log" if args.gc_log else None
    vaxel = start_vaxel(workdir, url, gc_log)
    try:
        if args.mode == "cps":
            for rate in [float(r) for r in args.rates.split(",")]:
                run = run_calls(workdir, vaxel, rate, args.seconds, int(args.hold * 1000))
                runs.append(run)
                print(json.dumps(run), flush=True)
        elif args.mode == "setup":
            run = run_calls(
                workdir,
                vaxel,
                args.rate,
                args.seconds,
                int(args.hold * 1000),
                rtt=True,
                tag="setup",
            )
            runs.append(run)
            print(json.dumps(run), flush=True)
        elif args.mode == "register":
            for rate in [float(r) for r in args.rates.split(",")]:
                run = run_register(workdir, vaxel, rate, args.seconds)
                runs.append(run)
                print(json.dumps(run), flush=True)
        else:
            run = run_calls(
                workdir, vaxel, args.rate, args.seconds, int(args.hold * 1000), tag="soak"
            )
            runs.append(run)
            print(json.dumps(run), flush=True)
    finally:
        vaxel.stop()
    if gc_log is not None:
        results["gc"] = gc_pauses(gc_log)
        print(json.dumps({"gc": results["gc"]}))
    (workdir / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results["machine"]))
    print(f"results: {workdir / 'results.json'}")
    if not args.keep:
        for path in workdir.glob("*.db*"):
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
