"""The demo's recorded greetings: real files, spoken by espeak-ng (media.speech), for the
mailboxes the demo marks as recorded, so that a caller who leaves a message hears one and the
chef's "missing greeting" figures count what is really there.

Each greeting is two short programs (espeak-ng, then sox to make it 8 kHz), run from worker
threads while the rest of the demo is built: the threads only wait for the programs, so the
builder keeps the interpreter and `vaxel demo`'s first run stays about as fast as without them.
A mailbox is marked recorded once its file is written, with the file's absolute path (as the
web's uploads and the phone's *97# store theirs). Without espeak-ng or sox none is recorded
(in pure Python each would take a fifth of a second): the spoken default greeting still says
whose phone it is, and the demo says why.
"""

from __future__ import annotations

import logging
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from vaxel.media.speech import Speech, SpeechError

log = logging.getLogger(__name__)

GREETINGS_DIR = "greetings"  # under the data directory, beside the greetings uploaded on the web


def greeting_text(name: str, unit: str) -> str:
    """What the demo's people say in their greetings."""
    return f"Hej, du har kommit till {name}, {unit}. Lämna ett meddelande efter tonen."


def unavailable(speech: Speech) -> str:
    """Why the greetings cannot be spoken quickly here; "" when they can."""
    if shutil.which(speech.program) is None:
        return f"{speech.program} is not installed"
    if shutil.which("sox") is None:
        return "sox is not installed"
    return ""


class GreetingRecorder:
    """Speaks greetings into `<data dir>/greetings/<extension>.wav` in worker threads."""

    def __init__(self, data_dir: Path, speech: Speech | None = None, workers: int = 0) -> None:
        self.directory = (data_dir / GREETINGS_DIR).resolve()
        self.speech = speech or Speech(data_dir / "speech-cache")
        self.unavailable = unavailable(self.speech)
        self.workers = workers or min(4, os.cpu_count() or 1)
        self.failed = 0
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: dict[int, tuple[Path, Future[None]]] = {}  # mailbox id → (file, its job)

    def record(self, mailbox_id: int, extension: str, text: str) -> bool:
        """Start speaking a mailbox's greeting; False when greetings cannot be spoken here."""
        if self.unavailable:
            return False
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="demo-greeting")
        path = self.directory / f"{extension}.wav"
        self._jobs[mailbox_id] = (path, self._pool.submit(self.speech.speak_to_file, text, path))
        return True

    def forget(self, mailbox_id: int) -> None:
        """This mailbox is to have no recorded greeting after all: no file is left behind."""
        job = self._jobs.pop(mailbox_id, None)
        if job is not None:
            self._remove([job])

    def written(self) -> dict[int, Path]:
        """Wait for every greeting; the mailboxes whose file is written (failures are logged
        and counted in `failed`, and those mailboxes keep the spoken default)."""
        done: dict[int, Path] = {}
        for mailbox_id, (path, job) in self._jobs.items():
            try:
                job.result()
            except (SpeechError, OSError) as error:
                self.failed += 1
                log.warning("the demo greeting %s could not be spoken: %s", path.name, error)
                continue
            done[mailbox_id] = path
        self._jobs.clear()
        self.close()
        return done

    def discard(self) -> None:
        """The demo was not made: remove what was spoken for it."""
        jobs, self._jobs = list(self._jobs.values()), {}
        self._remove(jobs)
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @staticmethod
    def _remove(jobs: list[tuple[Path, Future[None]]]) -> None:
        for _, job in jobs:
            job.cancel()
        wait([job for _, job in jobs])
        for path, _ in jobs:
            path.unlink(missing_ok=True)
