"""RFC 3261 §17 timers as data: their names, their durations, and a small deadline table.

Nothing here reads a clock. A transaction arms a timer as an absolute deadline in the caller's
time base (`now` seconds, e.g. the event loop's `loop.time()`), reports the earliest deadline,
and is told when that moment has come.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Timer(StrEnum):
    """The timers of RFC 3261 Table 4 and RFC 6026, under their RFC names."""

    A = "Timer A"  # ICT: INVITE retransmit, doubles from T1 (unreliable only)
    B = "Timer B"  # ICT: transaction timeout, 64*T1
    D = "Timer D"  # ICT: wait for response retransmits, ≥32 s unreliable, 0 reliable
    E = "Timer E"  # NICT: request retransmit, doubles from T1 up to T2 (unreliable only)
    F = "Timer F"  # NICT: transaction timeout, 64*T1
    G = "Timer G"  # IST: final response retransmit, doubles from T1 up to T2 (unreliable only)
    H = "Timer H"  # IST: wait for ACK, 64*T1
    I = "Timer I"  # IST: wait for ACK retransmits, T4 unreliable, 0 reliable  # noqa: E741
    J = "Timer J"  # NIST: wait for request retransmits, 64*T1 unreliable, 0 reliable
    K = "Timer K"  # NICT: wait for response retransmits, T4 unreliable, 0 reliable
    L = "Timer L"  # IST (RFC 6026): wait in Accepted for INVITE retransmits, 64*T1
    M = "Timer M"  # ICT (RFC 6026): wait in Accepted for 2xx retransmits, 64*T1
    # RFC 3261 §13.3.1.4 leaves this one unnamed: the UAS core resends a 2xx to INVITE at
    # T1, 2*T1 … capped at T2 until the ACK comes. The IST does it for the TU in Accepted.
    RETRANSMIT_2XX = "2xx retransmit"


@dataclass(frozen=True, slots=True)
class TimerConfig:
    """T1, T2 and T4 of RFC 3261 §17.1.1.1 (seconds); the other timers derive from them."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0
    timer_d: float = 32.0  # "at least 32 seconds" for unreliable transports

    def __post_init__(self) -> None:
        if not 0 < self.t1 <= self.t2:
            raise ValueError(f"TimerConfig: need 0 < t1 <= t2, got t1={self.t1} t2={self.t2}")
        if self.t4 < 0 or self.timer_d < 0:
            raise ValueError("TimerConfig: t4 and timer_d must not be negative")

    @property
    def timeout(self) -> float:
        """64*T1: Timers B, F, H, J (unreliable), L and M."""
        return 64 * self.t1


class Timers:
    """The armed timers of one transaction: timer → absolute deadline.

    Kept by the timer's name (a plain string, like the deadline a plain float), so the garbage
    collector never has to track the table of a transaction that lingers for 32 s.
    """

    __slots__ = ("deadlines",)

    def __init__(self) -> None:
        self.deadlines: dict[str, float] = {}

    def arm(self, timer: Timer, deadline: float) -> None:
        self.deadlines[timer.value] = deadline

    def cancel(self, *timers: Timer) -> None:
        for timer in timers:
            self.deadlines.pop(timer.value, None)

    def clear(self) -> None:
        self.deadlines.clear()

    def earliest(self) -> float | None:
        """The earliest armed deadline, or None when nothing is armed."""
        return min(self.deadlines.values()) if self.deadlines else None

    def pop_due(self, now: float) -> Timer | None:
        """Disarm and return the earliest timer whose deadline is at or before `now`."""
        if not self.deadlines:
            return None
        name = min(self.deadlines, key=self.deadlines.__getitem__)
        if self.deadlines[name] > now:
            return None
        del self.deadlines[name]
        return Timer(name)

    def __contains__(self, timer: object) -> bool:
        return isinstance(timer, Timer) and timer.value in self.deadlines

    def __repr__(self) -> str:
        armed = ", ".join(f"{t}@{d:g}" for t, d in sorted(self.deadlines.items()))
        return f"Timers({armed})"
