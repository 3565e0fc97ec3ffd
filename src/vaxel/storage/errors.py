"""Errors from storage that a user can act on (the CLI and the web show the message)."""

from __future__ import annotations


class NotFound(LookupError):
    """Nothing matches: the message says what was looked for."""


class Ambiguous(LookupError):
    """More than one thing matches; ``candidates`` lists them for the user to choose."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(f"{message}: {'; '.join(candidates)}")
        self.candidates = candidates


class BadDatabaseUrl(ValueError):
    """The database URL cannot be read or names a database vaxel has no driver for."""


class DatabaseUnavailable(OSError):
    """The database cannot be used (e.g. its directory cannot be created)."""
