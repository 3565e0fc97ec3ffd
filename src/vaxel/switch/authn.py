"""Who sent this request: digest authentication against the in-memory directory.

Unknown and known users get the same answers before authentication (a challenge) and after a
wrong answer (a new challenge, or 403 for a replay), in the same time, so extensions cannot be
enumerated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

from vaxel.sip.auth import AuthResult, Credentials, DigestChallenger, parse_credentials
from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.message import Request, Response
from vaxel.sip.uri import SipUri, parse_uri
from vaxel.switch.directory import Account, DirectoryCache

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Challenge:
    """The answer when a request is not (yet) authenticated."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...] = ()

    def response(self, request: Request, to_tag: str | None = None) -> Response:
        return request.response(self.status, self.reason, to_tag=to_tag, headers=self.headers)


class Authenticator:
    """Checks Authorization (registrar, 401) or Proxy-Authorization (calls, 407)."""

    def __init__(
        self,
        directory: DirectoryCache,
        challenger: DigestChallenger,
        algorithms: tuple[str, ...] = ("MD5", "SHA-256"),
        own_hosts: Callable[[], Collection[str]] = frozenset,
        md5_only_agents: tuple[str, ...] = ("baresip",),
    ) -> None:
        self.directory = directory
        self.own_hosts = own_hosts
        # Clients whose digest code gives up on a challenge list with an algorithm it does
        # not know (baresip 1.0's libre: "Function not implemented") get MD5 alone.
        self.md5_only_agents = tuple(agent.lower() for agent in md5_only_agents)
        self.challenger = challenger
        self.algorithms = algorithms
        self.realm = challenger.realm
        self.failures = 0

    def check(self, request: Request, now: float, *, proxy: bool) -> Account | Challenge:
        """The authenticated account, or the Challenge to send back."""
        name = "Proxy-Authorization" if proxy else "Authorization"
        credentials = self._credentials(request, name)
        if credentials is None:
            return self._challenge(now, proxy, stale=False, request=request)
        account = self.directory.account(credentials.username)
        ha1 = None if account is None else account.ha1(credentials.algorithm)
        if not _uri_matches(credentials.uri, request, self.own_hosts()):
            ha1 = None  # answers for another resource are not accepted here
        result = self.challenger.verify(credentials, request.method, ha1, now)
        if result is AuthResult.OK and account is not None:
            return account
        self.failures += 1
        if result is AuthResult.STALE:
            return self._challenge(now, proxy, stale=True, request=request)
        if result is AuthResult.REPLAY:
            return Challenge(403, "Forbidden")
        log.info(
            "digest authentication failed for %r from %s",
            credentials.username[:64],
            request.top_via.received or request.top_via.host,
        )
        return self._challenge(now, proxy, stale=False, request=request)

    def _credentials(self, request: Request, header: str) -> Credentials | None:
        for value in request.headers.values(header):
            try:
                credentials = parse_credentials(value)
            except RemoteProtocolError:
                continue
            if credentials.realm == self.realm:
                return credentials
        return None

    def _challenge(self, now: float, proxy: bool, stale: bool, request: Request) -> Challenge:
        header = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
        algorithms = self.algorithms
        agent = (request.headers.get("User-Agent") or "").lower()
        if agent and self.md5_only_agents and agent.startswith(self.md5_only_agents):
            algorithms = ("MD5",)
        values = self.challenger.challenge(now, stale=stale, algorithms=algorithms)
        if proxy:
            return Challenge(
                407, "Proxy Authentication Required", tuple((header, v) for v in values)
            )
        return Challenge(401, "Unauthorized", tuple((header, v) for v in values))


def _uri_matches(digest_uri: str, request: Request, own_hosts: Collection[str]) -> bool:
    """RFC 7616 §3.4.6: the digest-uri names the Request-URI, or (as SIPp and some phones
    send) just this server: a SIP URI without user whose host is one of ours."""
    if digest_uri == str(request.uri):
        return True
    try:
        uri = parse_uri(digest_uri)
    except RemoteProtocolError:
        return False
    target = request.uri
    if not isinstance(uri, SipUri) or not isinstance(target, SipUri):
        return False
    if uri.user is None and uri.host_port()[0].lower() in own_hosts:
        return True
    return uri.host.lower() == target.host.lower() and uri.user in (None, target.user)
