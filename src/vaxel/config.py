"""Settings: where the data lives, which database, where SIP and the web listen.

Read once at start-up from the environment (``VAXEL_*``) and the command line; command-line
values win. Plain dataclasses, so every layer can be handed a ``Config`` in tests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


class ConfigError(ValueError):
    """A setting could not be understood; the message names the setting."""


# The languages announcements can be said in (media.speech.LANGUAGES; a test keeps them equal),
# and the choices: Swedish first (the policy's rule), English alone only for testing.
ANNOUNCEMENT_LANGUAGES = ("sv", "en")
_LANGUAGE_CHOICES = {"sv": ("sv",), "sv,en": ("sv", "en"), "en": ("en",)}


def parse_announcement_languages(
    text: str, setting: str = "VAXEL_ANNOUNCEMENT_LANGUAGES"
) -> tuple[str, ...]:
    """What callers hear, in order: "sv" (the default), "sv,en" (Swedish, then the same in
    English) or "en" (for testing); spaces and case do not matter."""
    chosen = _LANGUAGE_CHOICES.get("".join(text.split()).lower())
    if chosen is None:
        raise ConfigError(_languages_error(setting, text))
    return chosen


def _languages_error(setting: str, given: str) -> str:
    return f"{setting}: expected sv, sv,en or en, got {given!r}"


@dataclass(frozen=True, slots=True)
class Listen:
    """A host and port to listen on."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str, setting: str = "address") -> Listen:
        """Parse ``HOST:PORT`` (``[::1]:5060`` for IPv6)."""
        host, sep, port = text.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"{setting}: expected HOST:PORT, got {text!r}")
        return cls(host.strip("[]"), int(port))

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: Path = Path("data")
    database_url: str = ""  # empty: SQLite in data_dir
    sip: Listen = field(default_factory=lambda: Listen("0.0.0.0", 5060))
    http: Listen = field(default_factory=lambda: Listen("127.0.0.1", 8080))
    realm: str = "vaxel"
    # The number plan: extension "4123" is reached from outside as did_prefix + "4123".
    did_prefix: str = "+4610130"
    extension_digits: int = 4
    # A callback is due this many working hours after it was created; None means the
    # default rule of the domain (the end of the next working day).
    callback_within_hours: int | None = None
    # What callers hear: Swedish, or Swedish then the same in English ("sv,en").
    announcement_languages: tuple[str, ...] = ("sv",)

    @property
    def db_url(self) -> str:
        """The database URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vaxel.db').resolve()}"

    @property
    def voicemail_dir(self) -> Path:
        return self.data_dir / "voicemail"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Config:
        """Settings from ``VAXEL_*`` variables; keyword overrides that are not None win."""
        env = os.environ if env is None else env
        config = cls()
        values: dict[str, object] = {}
        if "VAXEL_DATA_DIR" in env:
            values["data_dir"] = Path(env["VAXEL_DATA_DIR"])
        if "VAXEL_DATABASE_URL" in env:
            values["database_url"] = env["VAXEL_DATABASE_URL"]
        if "VAXEL_SIP" in env:
            values["sip"] = Listen.parse(env["VAXEL_SIP"], "VAXEL_SIP")
        if "VAXEL_HTTP" in env:
            values["http"] = Listen.parse(env["VAXEL_HTTP"], "VAXEL_HTTP")
        if "VAXEL_REALM" in env:
            values["realm"] = env["VAXEL_REALM"]
        if "VAXEL_DID_PREFIX" in env:
            values["did_prefix"] = env["VAXEL_DID_PREFIX"]
        if "VAXEL_EXTENSION_DIGITS" in env:
            values["extension_digits"] = _int(
                env["VAXEL_EXTENSION_DIGITS"], "VAXEL_EXTENSION_DIGITS"
            )
        if env.get("VAXEL_ANNOUNCEMENT_LANGUAGES", "").strip():
            values["announcement_languages"] = parse_announcement_languages(
                env["VAXEL_ANNOUNCEMENT_LANGUAGES"]
            )
        if env.get("VAXEL_CALLBACK_WITHIN_HOURS"):
            values["callback_within_hours"] = _int(
                env["VAXEL_CALLBACK_WITHIN_HOURS"], "VAXEL_CALLBACK_WITHIN_HOURS"
            )
        for name, value in overrides.items():
            if value is None:
                continue
            if name in ("sip", "http") and isinstance(value, str):
                value = Listen.parse(value, f"--{name}")
            if name == "data_dir" and isinstance(value, str):
                value = Path(value)
            if name == "announcement_languages" and isinstance(value, str):
                value = parse_announcement_languages(value, "announcement_languages")
            values[name] = value
        result = replace(config, **values)  # type: ignore[arg-type]
        result.check()
        return result

    def check(self) -> None:
        """ConfigError naming the setting if the number plan or a limit cannot work."""
        prefix = self.did_prefix
        if not (prefix.startswith("+") and prefix[1:].isascii() and prefix[1:].isdigit()):
            raise ConfigError(f"VAXEL_DID_PREFIX: expected + and digits, got {prefix!r}")
        if not 2 <= self.extension_digits <= 8:
            raise ConfigError(
                f"VAXEL_EXTENSION_DIGITS: expected 2 to 8, got {self.extension_digits}"
            )
        if len(prefix) - 1 + self.extension_digits > 15:
            raise ConfigError(
                "VAXEL_DID_PREFIX and VAXEL_EXTENSION_DIGITS: a number has at most 15 digits"
            )
        if tuple(self.announcement_languages) not in _LANGUAGE_CHOICES.values():
            given = ",".join(self.announcement_languages)
            raise ConfigError(_languages_error("VAXEL_ANNOUNCEMENT_LANGUAGES", given))
        if self.callback_within_hours is not None and self.callback_within_hours <= 0:
            raise ConfigError(
                f"VAXEL_CALLBACK_WITHIN_HOURS: expected a positive number of hours, "
                f"got {self.callback_within_hours}"
            )


def _int(text: str, setting: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{setting}: expected a whole number, got {text!r}") from None
