"""Run a module with every garbage collection timed: `gcwatch.py LOG -m module args…`.

Each collection appends "generation seconds collected" to LOG, so a benchmark can tell a
stall of the event loop by the collector from one by the machine (see run.py --gc-log).
"""

from __future__ import annotations

import gc
import runpy
import sys
import time
from typing import Any


def main() -> None:
    log_path, flag, module, *rest = sys.argv[1:]
    if flag != "-m":
        raise SystemExit("usage: gcwatch.py LOG -m MODULE [ARGS…]")
    log = open(log_path, "w", buffering=1)  # noqa: SIM115 (open for the life of the process)
    started = [0.0]

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            took = time.perf_counter() - started[0]
            log.write(f"{info['generation']} {took:.6f} {info['collected']}\n")

    gc.callbacks.append(watch)
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
