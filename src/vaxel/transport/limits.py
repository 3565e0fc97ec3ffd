"""Per-source limits on what the network may send us: message rate, message size, and
open TCP connections (counted in vaxel.transport.tcp).

A token bucket per source IP address: each message takes one token, tokens come back at
`rate` per second up to `burst`. A source that runs dry is dropped (not answered) until it
slows down, with one log line per source and interval so a flood cannot flood the log too.
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one source may send. Defaults suit phones and SIP trunks on one site."""

    max_message_size: int = 65_535  # bytes in one SIP message (UDP cannot carry more anyway)
    rate: float = 500.0  # messages per second per source IP, sustained
    burst: float = 1_000.0  # messages a source may send at once before the rate applies
    max_sources: int = 100_000  # buckets kept; the idle ones are dropped beyond this
    log_interval: float = 10.0  # seconds between log lines about one source
    # Open TCP connections from one source IP (a site's phones may share one NAT address),
    # and in all: past these a new connection is closed at once, before it holds a socket.
    max_tcp_per_source: int = 1_000
    max_tcp_connections: int = 10_000

    def __post_init__(self) -> None:
        if self.max_message_size < 1_024:
            raise ValueError("max_message_size: at least 1024 bytes")
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        if self.max_tcp_per_source < 1 or self.max_tcp_connections < 1:
            raise ValueError("TCP connection limits must be at least 1")


# Descriptors the process needs besides TCP connections: listeners, UDP sockets, the
# database, log files, the web server's own connections.
RESERVED_FILES = 256


def fit_open_files(max_tcp_connections: int, reserved: int = RESERVED_FILES) -> int:
    """The TCP connection limit the open-file limit (RLIMIT_NOFILE) allows.

    A soft limit below what `max_tcp_connections` needs is raised, up to the hard limit;
    if even that is too low, the limit is lowered to fit, with one log line saying so.
    """
    needed = max_tcp_connections + reserved
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return max_tcp_connections
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (OSError, ValueError) as error:
            log.debug("could not raise the open-file limit to %d: %s", target, error)
    if soft >= needed:
        return max_tcp_connections
    fitted = max(1, soft - reserved)
    log.warning(
        "open-file limit %d (hard %s) is too low for %d TCP connections: allowing %d",
        soft,
        "unlimited" if hard == resource.RLIM_INFINITY else hard,
        max_tcp_connections,
        fitted,
    )
    return fitted


class _Bucket:
    __slots__ = ("dropped", "logged_at", "stamp", "tokens")

    def __init__(self, tokens: float, now: float) -> None:
        self.tokens = tokens
        self.stamp = now
        self.logged_at = float("-inf")
        self.dropped = 0


class SourceLimiter:
    """Token buckets keyed by source IP; time comes in as `now` (seconds, any monotonic base)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._buckets: dict[str, _Bucket] = {}
        self.dropped_rate = 0
        self.dropped_size = 0

    def allow(self, source: str, size: int, now: float) -> bool:
        """True if a message of `size` bytes from `source` may be processed now."""
        limits = self.limits
        if size > limits.max_message_size:
            self.dropped_size += 1
            log.warning(
                "dropped a %d-byte message from %s: larger than the %d-byte limit",
                size,
                source,
                limits.max_message_size,
            )
            return False
        bucket = self._buckets.get(source)
        if bucket is None:
            if len(self._buckets) >= limits.max_sources:
                self._evict(now)
            bucket = self._buckets[source] = _Bucket(limits.burst, now)
        else:
            elapsed = now - bucket.stamp
            if elapsed > 0:
                bucket.tokens = min(limits.burst, bucket.tokens + elapsed * limits.rate)
                bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        bucket.dropped += 1
        self.dropped_rate += 1
        if now - bucket.logged_at >= limits.log_interval:
            log.warning(
                "rate limit: dropping messages from %s (over %g/s, burst %g; %d dropped so far)",
                source,
                limits.rate,
                limits.burst,
                bucket.dropped,
            )
            bucket.logged_at = now
        return False

    def _evict(self, now: float) -> None:
        """Forget buckets that have refilled (their sources have been quiet)."""
        limits = self.limits
        full_after = limits.burst / limits.rate
        quiet = [ip for ip, b in self._buckets.items() if now - b.stamp >= full_after]
        for ip in quiet:
            del self._buckets[ip]
        if len(self._buckets) >= limits.max_sources:  # all busy: drop the oldest half
            oldest = sorted(self._buckets, key=lambda ip: self._buckets[ip].stamp)
            for ip in oldest[: len(oldest) // 2]:
                del self._buckets[ip]

    def __len__(self) -> int:
        return len(self._buckets)
