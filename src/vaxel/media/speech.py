"""Spoken prompts: Swedish and English text to 8 kHz PCM with espeak-ng, cached on disk.

Swedish is spoken with the voice `sv`, English with `en-gb`. A recorded prompt always wins:
`prompt("lunch", text, "sv")` plays `<prompts>/sv/lunch.wav` (or, for Swedish only, the older
`<prompts>/lunch.wav`) when someone has recorded one, and speaks `text` otherwise; English
recordings are `<prompts>/en/<id>.wav`. Rendered speech is kept in the cache under a hash of
(engine version, voice, text), so each sentence is synthesised once per machine and voice.

`Speech.languages` is what callers hear, in order: ("sv",) (the default), ("sv", "en") for
Swedish then the same in English, or ("en",) for testing. The announcer says every
announcement once per language (media.announcer).

`warm_up` renders a list of sentences into the cache in a worker thread, so that the first
caller after a start does not wait for espeak-ng (switch.apps.prompts lists the fixed ones).
`speak_to_file` writes one sentence to a WAV file of its own, uncached (the demo's greetings).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vaxel.media.g711 import SAMPLE_RATE
from vaxel.media.resample import resample
from vaxel.media.wav import decode_wav, encode_wav, read_wav

log = logging.getLogger(__name__)

ENGINE_VERSION = "espeak-ng/1"  # change it when rendering changes, so old cache entries go unused
PEAK = 16000  # about −6 dBFS: as loud as a recorded prompt, with room for G.711
_PROMPT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

SWEDISH, ENGLISH = "sv", "en"
LANGUAGES = (SWEDISH, ENGLISH)  # what the switch can say; Swedish first (the policy's rule)


def check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    """The languages as a tuple; ValueError unless they are known, distinct and at least one."""
    chosen = tuple(languages)
    unknown = [language for language in chosen if language not in LANGUAGES]
    if not chosen or unknown or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"languages {','.join(chosen)!r}: expected one or more of {', '.join(LANGUAGES)}, "
            "each once (e.g. sv or sv,en)"
        )
    return chosen


class SpeechError(RuntimeError):
    """espeak-ng is missing, failed, or produced no audio."""


@dataclass(frozen=True, slots=True)
class Said:
    """A sentence as a caller hears it: the text in a language, and the prompt id whose
    recording would replace it (None for a generated sentence, which is always spoken)."""

    prompt_id: str | None
    text: str
    language: str


class WarmUp:
    """The cache being filled in a worker thread (`Speech.warm_up`); `stop()` ends it after
    the sentence being rendered."""

    def __init__(self, speech: Speech, said: Sequence[Said], pause_s: float) -> None:
        self.speech = speech
        self.said = tuple(said)
        self.pause_s = pause_s
        self.rendered = 0  # sentences spoken now (the others were cached or recorded)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="speech-warm-up", daemon=True)

    def start(self) -> WarmUp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for it to finish; whether it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        started = time.monotonic()
        try:
            for said in self.said:
                if self._stop.is_set():
                    return
                if self.speech.warm(said):
                    self.rendered += 1
                    # Leave the processor (and the interpreter) to calls now and then.
                    self._stop.wait(self.pause_s)
        except SpeechError as error:
            log.warning("speech warm-up stopped, prompts are rendered on first use: %s", error)
            return
        except Exception:
            log.exception("speech warm-up failed; prompts are rendered on first use")
            return
        if self.rendered:
            log.info(
                "speech: %d of %d fixed sentences rendered in the background in %.1f s",
                self.rendered, len(self.said), time.monotonic() - started,
            )  # fmt: skip


def _normalise(pcm: bytes) -> bytes:
    samples = array("h", pcm)
    peak = max((abs(s) for s in samples), default=0)
    if peak == 0:
        return pcm
    scale = PEAK / peak
    return array("h", (max(-32768, min(32767, round(s * scale))) for s in samples)).tobytes()


class Speech:
    """Renders and caches prompts; safe to share between calls.

    `voice` is the espeak-ng voice for Swedish (and for `render` without a voice), `voice_en`
    the one for English; `languages` what callers hear, in order (see the module docstring).
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str],
        prompts_dir: str | os.PathLike[str] | None = None,
        *,
        voice: str = "sv",
        voice_en: str = "en-gb",
        languages: Sequence[str] = (SWEDISH,),
        program: str = "espeak-ng",
        words_per_minute: int | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.prompts_dir = Path(prompts_dir) if prompts_dir is not None else None
        self.voice = voice
        self.voice_en = voice_en
        self.languages = check_languages(languages)
        self.program = program
        self.words_per_minute = words_per_minute
        self.timeout = timeout
        self._pending: dict[Path, asyncio.Future[bytes]] = {}

    def cache_path(self, text: str, voice: str | None = None) -> Path:
        key = "\n".join((ENGINE_VERSION, voice or self.voice, str(self.words_per_minute), text))
        return self.cache_dir / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()}.wav"

    def voice_for(self, language: str) -> str:
        """The espeak-ng voice that speaks `language` ("sv" or "en")."""
        check_languages((language,))
        return self.voice_en if language == ENGLISH else self.voice

    def recorded(self, prompt_id: str, language: str = SWEDISH) -> Path | None:
        """The recorded file for a prompt id in `language`, if there is one."""
        if not _PROMPT_ID.fullmatch(prompt_id):
            raise ValueError(f"prompt id {prompt_id!r} may hold only letters, digits, _ . -")
        check_languages((language,))
        if self.prompts_dir is None:
            return None
        candidates = [self.prompts_dir / language / f"{prompt_id}.wav"]
        if language == SWEDISH:  # recordings from before there was English: Swedish ones
            candidates.append(self.prompts_dir / f"{prompt_id}.wav")
        return next((path for path in candidates if path.is_file()), None)

    def _command(self, voice: str) -> list[str]:
        command = [self.program, "-v", voice, "--stdin", "--stdout"]
        if self.words_per_minute is not None:
            command += ["-s", str(self.words_per_minute)]
        return command

    def _check(self, text: str) -> str:
        text = " ".join(text.split())
        if not text:
            raise ValueError("there is no text to speak")
        return text

    def _store(self, path: Path, wav: bytes, voice: str) -> bytes:
        try:
            audio = decode_wav(wav, truncated_ok=True)  # espeak-ng cannot know sizes on a pipe
        except ValueError as exc:
            raise SpeechError(f"{self.program} -v {voice} gave no usable WAV: {exc}") from None
        if not audio.pcm:
            raise SpeechError(f"{self.program} -v {voice} produced no audio")
        pcm = _normalise(resample(audio.pcm, audio.sample_rate, SAMPLE_RATE))
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            tmp.write(encode_wav(pcm))
        os.replace(tmp.name, path)
        return pcm

    def render_sync(self, text: str, voice: str | None = None) -> bytes:
        """8 kHz 16-bit mono PCM of `text`, blocking (for the CLI and tests)."""
        text, voice = self._check(text), voice or self.voice
        path = self.cache_path(text, voice)
        if path.is_file():
            return read_wav(path).pcm
        return self._store(path, self._speak(text, voice), voice)

    async def render(self, text: str, voice: str | None = None) -> bytes:
        """8 kHz 16-bit mono PCM of `text`; concurrent requests for one text share the work."""
        text, voice = self._check(text), voice or self.voice
        path = self.cache_path(text, voice)
        if path.is_file():
            return read_wav(path).pcm
        pending = self._pending.get(path)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[path] = future
        try:
            pcm = await self._run(text, voice, path)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # the waiters, if any, see it; nobody else needs to
            raise
        finally:
            del self._pending[path]
        future.set_result(pcm)
        return pcm

    async def _run(self, text: str, voice: str, path: Path) -> bytes:
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command(voice),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise SpeechError(f"{self.program} could not run: {exc}") from None
        try:
            stdout, stderr = await asyncio.wait_for(
                process.communicate(text.encode("utf-8")), self.timeout
            )
        except TimeoutError:
            process.kill()
            await process.wait()
            raise SpeechError(f"{self.program} took more than {self.timeout} s") from None
        if process.returncode != 0:
            raise SpeechError(self._failure(voice, process.returncode, stderr))
        return await asyncio.to_thread(self._store, path, stdout, voice)

    def _failure(self, voice: str, code: int | None, stderr: bytes) -> str:
        detail = stderr.decode("utf-8", errors="replace").strip() or "no message"
        return f"{self.program} -v {voice} failed with exit code {code}: {detail}"

    async def prompt(self, prompt_id: str, text: str, language: str = SWEDISH) -> bytes:
        """The recorded prompt `prompt_id` in `language` if there is one, else `text` spoken
        with that language's voice."""
        recorded = self.recorded(prompt_id, language)
        if recorded is not None:
            return await asyncio.to_thread(_load_prompt, recorded)
        return await self.render(text, self.voice_for(language))

    def prompt_sync(self, prompt_id: str, text: str, language: str = SWEDISH) -> bytes:
        recorded = self.recorded(prompt_id, language)
        if recorded is not None:
            return _load_prompt(recorded)
        return self.render_sync(text, self.voice_for(language))

    # -- ahead of time ----------------------------------------------------------------------------

    def is_cached(self, said: Said) -> bool:
        """Whether a caller would hear `said` without espeak-ng running: recorded, or cached."""
        if said.prompt_id is not None and self.recorded(said.prompt_id, said.language):
            return True
        return self.cache_path(self._check(said.text), self.voice_for(said.language)).is_file()

    def warm(self, said: Said) -> bool:
        """Render `said` into the cache unless it is there or recorded (blocking); whether
        espeak-ng ran."""
        if self.is_cached(said):
            return False
        self.render_sync(said.text, self.voice_for(said.language))
        return True

    def warm_up(self, said: Iterable[Said], *, pause_s: float = 0.02) -> WarmUp:
        """Render these sentences into the cache in a worker thread, one after another, and
        return at once (start-up and calls do not wait for it)."""
        return WarmUp(self, list(said), pause_s).start()

    def speak_to_file(self, text: str, target: Path, voice: str | None = None) -> None:
        """Speak `text` into its own 8 kHz WAV file at `target` (not cached: a one-off, such
        as a greeting). sox converts it where it is installed (fast); else our resampler."""
        text, voice = self._check(text), voice or self.voice
        wav = self._speak(text, voice)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not _sox_to_8k(wav, target):
            self._store(target, wav, voice)

    def _speak(self, text: str, voice: str) -> bytes:
        """The synthesiser's WAV output for `text` (blocking)."""
        try:
            done = subprocess.run(
                self._command(voice),
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechError(f"{self.program} could not run: {exc}") from None
        if done.returncode != 0:
            raise SpeechError(self._failure(voice, done.returncode, done.stderr))
        return done.stdout


SOX_LEVEL_DB = "-6"  # the level of PEAK, for sox's norm effect


def _sox_to_8k(wav: bytes, target: Path) -> bool:
    """espeak-ng's WAV as 8 kHz mono 16-bit at `target`, normalised like `_normalise`; False
    when sox is not installed or cannot do it (the caller converts it then)."""
    sox = shutil.which("sox")
    if sox is None:
        return False
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp.wav")
    # -D: no dither, so that one text always gives the same file (G.711 adds its own noise).
    command = [sox, "-q", "-D", "-t", "wav", "-", "-t", "wav", "-r", str(SAMPLE_RATE), "-c",
               "1", "-b", "16", "-e", "signed-integer", str(tmp), "norm", SOX_LEVEL_DB]  # fmt: skip
    try:
        done = subprocess.run(command, input=wav, capture_output=True, timeout=30, check=False)
        if done.returncode != 0 or not tmp.is_file():
            return False
        os.replace(tmp, target)
        return True
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        tmp.unlink(missing_ok=True)


def _load_prompt(path: Path) -> bytes:
    audio = read_wav(path)
    return resample(audio.pcm, audio.sample_rate, SAMPLE_RATE)
