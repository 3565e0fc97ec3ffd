"""Errors raised by domain rules: each names the field and the reason."""

from __future__ import annotations


class DomainError(ValueError):
    """A rule of the policy or the data model was broken.

    ``field`` names what was wrong (a CSV column, a form field, an argument) so that every
    channel (CLI, web, import) can say exactly which input to fix.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
