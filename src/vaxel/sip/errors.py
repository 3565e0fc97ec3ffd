"""Errors of the SIP layer: the peer's fault (RemoteProtocolError) or ours (LocalProtocolError)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaxel.sip.message import Request


class SipError(Exception):
    """Base class of every error raised by vaxel.sip."""


class RemoteProtocolError(SipError):
    """The peer sent something we cannot accept.

    `reason` is a short phrase naming the defect ("Bad CSeq header"), fit to be sent back as the
    reason phrase of a `status_hint` response; `detail` says more for the log. When a request was
    broken, `partial` is a best-effort Request holding whatever Via, From, To, Call-ID and CSeq
    did parse, so the caller can still address an error response (or None if nothing usable).
    """

    status_hint: int = 400

    def __init__(
        self,
        reason: str,
        *,
        status_hint: int = 400,
        detail: str | None = None,
        partial: Request | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.status_hint = status_hint
        self.detail = detail
        self.partial = partial


class LocalProtocolError(SipError):
    """We tried to do something the protocol forbids (a bug in the caller, not the peer)."""
