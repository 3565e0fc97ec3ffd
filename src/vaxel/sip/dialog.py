"""RFC 3261 §12 dialogs: the state two UAs share between requests, and in-dialog requests.

A Dialog is plain data plus the rules of §12: the route set (from Record-Route, reversed on
the UAC side), the remote target (refreshed by re-INVITE/UPDATE Contact), CSeq bookkeeping
(out-of-order requests → 500), and building requests with loose or strict routing
(§12.2.1.1). It never sends anything; the TU hands the requests it makes to a client
transaction (or, for the ACK to a 2xx, straight to the transport).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.headers import NameAddr, Via
from vaxel.sip.message import Request, Response, SipMessage
from vaxel.sip.transaction import new_branch
from vaxel.sip.uri import AbsoluteUri, SipUri

__all__ = ["TARGET_REFRESH", "Dialog", "DialogId", "DialogState", "new_tag"]

# Requests whose Contact replaces the remote target: RFC 3261 §12.2, RFC 3311, RFC 6665.
TARGET_REFRESH = frozenset({"INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY"})


def new_tag(entropy: bytes | None = None) -> str:
    """A fresh From/To tag (§19.3: at least 32 bits of randomness)."""
    return (secrets.token_bytes(8) if entropy is None else entropy).hex()


class DialogState(Enum):
    """§12: a dialog is early after a 1xx with a To tag and confirmed after a 2xx."""

    EARLY = "Early"
    CONFIRMED = "Confirmed"
    TERMINATED = "Terminated"


@dataclass(frozen=True, slots=True)
class DialogId:
    """§12: Call-ID, local tag and remote tag, as seen from our side."""

    call_id: str
    local_tag: str
    remote_tag: str

    @classmethod
    def of_request(cls, request: Request) -> DialogId | None:
        """The dialog an incoming request claims (To tag is ours), or None outside a dialog."""
        local, remote = request.to.tag, request.from_.tag
        if local is None or remote is None:
            return None
        return cls(request.call_id, local, remote)

    @classmethod
    def of_response(cls, response: Response) -> DialogId | None:
        """The dialog a response to our request belongs to (From tag is ours), or None."""
        local, remote = response.from_.tag, response.to.tag
        if local is None or remote is None:
            return None
        return cls(response.call_id, local, remote)


def _first_contact(message: SipMessage) -> NameAddr | None:
    contacts = message.contacts
    return contacts[0] if contacts else None


def _via_template(via: Via) -> Via:
    """Our Via without the per-request parts (branch, and what a peer may have added)."""
    params = {k: v for k, v in via.params.items() if k not in ("branch", "received")}
    if "rport" in params:
        params["rport"] = None
    return Via(via.transport, via.host, via.port, params)


class Dialog:
    """One dialog. Build it with `from_uac` or `from_uas`; feed it what passes in the dialog."""

    def __init__(
        self,
        *,
        call_id: str,
        local: NameAddr,
        remote: NameAddr,
        remote_target: SipUri | AbsoluteUri,
        route_set: Iterable[NameAddr],
        local_seq: int | None,
        remote_seq: int | None,
        secure: bool,
        state: DialogState,
        is_uac: bool,
        local_contact: NameAddr | None = None,
        via: Via | None = None,
    ) -> None:
        if local.tag is None or remote.tag is None:
            raise LocalProtocolError("a dialog needs both a local and a remote tag")
        self.call_id = call_id
        self.local = local  # our From (UAC) or To (UAS), with our tag
        self.remote = remote  # the peer's, with its tag
        self.remote_target = remote_target
        self.route_set = list(route_set)
        self.local_seq = local_seq
        self.remote_seq = remote_seq
        self.secure = secure
        self.state = state
        self.is_uac = is_uac
        self.local_contact = local_contact  # our Contact, sent in target refresh requests
        self.via = via  # our Via for new requests, without branch

    # -- construction (§12.1) ---------------------------------------------------------------

    @classmethod
    def from_uac(cls, request: Request, response: Response, *,
                 secure: bool | None = None) -> Dialog:
        """§12.1.2: the dialog a 101–299 with a To tag creates for the request we sent."""
        if not 101 <= response.status <= 299:
            raise LocalProtocolError(f"a {response.status} does not create a dialog")
        if response.to.tag is None:
            raise RemoteProtocolError("No To tag in a dialog-creating response")
        contact = _first_contact(response)
        if contact is None and response.status >= 200:
            raise RemoteProtocolError("No Contact in a 2xx response to " + request.method)
        return cls(
            call_id=request.call_id,
            local=request.from_,
            remote=response.to,
            remote_target=request.uri if contact is None else contact.uri,
            route_set=reversed(response.record_routes),
            local_seq=request.cseq.seq,
            remote_seq=None,
            secure=request.uri.scheme == "sips" if secure is None else secure,
            state=DialogState.EARLY if response.status < 200 else DialogState.CONFIRMED,
            is_uac=True,
            local_contact=_first_contact(request),
            via=_via_template(request.top_via),
        )

    @classmethod
    def from_uas(cls, request: Request, response: Response, *, secure: bool | None = None,
                 via: Via | str | None = None) -> Dialog:
        """§12.1.1: the dialog our 101–299 (with our To tag) creates for a request we got.

        `via` is the Via (branch is added per request) we use for requests we send in the
        dialog; the request we got cannot tell us that.
        """
        if not 101 <= response.status <= 299:
            raise LocalProtocolError(f"a {response.status} does not create a dialog")
        if response.to.tag is None:
            raise LocalProtocolError("the dialog-creating response needs our To tag")
        contact = _first_contact(request)
        if contact is None:
            raise RemoteProtocolError("No Contact in a dialog-creating " + request.method)
        if isinstance(via, str):
            via = Via.parse(via)
        return cls(
            call_id=request.call_id,
            local=response.to,
            remote=request.from_,
            remote_target=contact.uri,
            route_set=request.record_routes,
            local_seq=None,
            remote_seq=request.cseq.seq,
            secure=request.uri.scheme == "sips" if secure is None else secure,
            state=DialogState.EARLY if response.status < 200 else DialogState.CONFIRMED,
            is_uac=False,
            local_contact=_first_contact(response),
            via=None if via is None else _via_template(via),
        )

    @property
    def id(self) -> DialogId:
        assert self.local.tag is not None and self.remote.tag is not None
        return DialogId(self.call_id, self.local.tag, self.remote.tag)

    @property
    def local_uri(self) -> SipUri | AbsoluteUri:
        return self.local.uri

    @property
    def remote_uri(self) -> SipUri | AbsoluteUri:
        return self.remote.uri

    def terminate(self) -> None:
        """End the dialog (BYE done, 481/408 in dialog, or the TU gave up)."""
        self.state = DialogState.TERMINATED

    # -- requests we send (§12.2.1) ---------------------------------------------------------

    def create_request(self, method: str, headers: Iterable[tuple[str, str]] = (),
                       body: bytes = b"", *, branch: str | None = None) -> Request:
        """A new in-dialog request with the next local CSeq; not ACK (create_ack) or CANCEL."""
        if method in ("ACK", "CANCEL"):
            raise LocalProtocolError(f"{method} is not built by create_request")
        if self.state is DialogState.TERMINATED and method != "BYE":
            raise LocalProtocolError(f"{method} in a terminated dialog")
        # §12.2.1.1: an empty local sequence number starts anywhere below 2**31; 1 will do.
        self.local_seq = 1 if self.local_seq is None else self.local_seq + 1
        extra = list(headers)
        if (method in TARGET_REFRESH and self.local_contact is not None
                and not any(name.lower() in ("contact", "m") for name, _ in extra)):
            extra.append(("Contact", str(self.local_contact)))
        request = self._build(method, self.local_seq, extra, body, branch)
        if method == "BYE":
            self.state = DialogState.TERMINATED
        return request

    def create_ack(self, invite_cseq: int, headers: Iterable[tuple[str, str]] = (),
                   body: bytes = b"", *, branch: str | None = None) -> Request:
        """§13.2.2.4: the ACK to a 2xx, a transaction of its own (new branch, INVITE's CSeq)."""
        return self._build("ACK", invite_cseq, list(headers), body, branch, cseq_method="ACK")

    def _build(self, method: str, seq: int, extra: list[tuple[str, str]], body: bytes,
               branch: str | None, cseq_method: str | None = None) -> Request:
        if self.via is None:
            raise LocalProtocolError("the dialog has no Via of ours: give from_uas a via=")
        via = Via(self.via.transport, self.via.host, self.via.port,
                  {"branch": branch or new_branch(), **self.via.params})
        uri, routes = self.request_uri_and_routes()
        fields = [
            ("Max-Forwards", "70"),
            ("From", str(self.local)),
            ("To", str(self.remote)),
            ("Call-ID", self.call_id),
            ("CSeq", f"{seq} {cseq_method or method}"),
        ]
        fields += [("Route", route) for route in routes]
        request = Request.create(method, uri, fields + extra, body)
        request.push_via(via)  # on top, and kept parsed for the client transaction's key
        return request

    def request_uri_and_routes(self) -> tuple[SipUri | AbsoluteUri, list[str]]:
        """§12.2.1.1: the Request-URI and Route values, for a loose or a strict first hop."""
        if not self.route_set:
            return self.remote_target, []
        first = self.route_set[0].uri
        if isinstance(first, SipUri) and first.has_param("lr"):
            return self.remote_target, [str(route) for route in self.route_set]
        # A strict router wants itself in the Request-URI and the remote target as last Route.
        if isinstance(first, SipUri):
            first = first.without_headers().without_params("method")
        rest = [str(route) for route in self.route_set[1:]]
        return first, [*rest, f"<{self.remote_target}>"]

    # -- what we receive (§12.2.2, §12.2.1.2) ------------------------------------------------

    def receive_request(self, request: Request) -> bool:
        """An incoming request: False if not of this (live) dialog; True once taken in.

        Raises RemoteProtocolError with status_hint 500 for a CSeq lower than the last one.
        """
        if self.state is DialogState.TERMINATED or DialogId.of_request(request) != self.id:
            return False
        seq = request.cseq.seq
        # ACK and CANCEL carry their INVITE's number, which may be behind by now.
        if request.method not in ("ACK", "CANCEL"):
            if self.remote_seq is not None and seq < self.remote_seq:
                raise RemoteProtocolError(
                    "CSeq out of order", status_hint=500,
                    detail=f"{seq} is below the dialog's {self.remote_seq}",
                )
            self.remote_seq = seq
        if request.method in TARGET_REFRESH:
            contact = _first_contact(request)
            if contact is not None:
                self.remote_target = contact.uri
        if request.method == "BYE":
            self.state = DialogState.TERMINATED
        return True

    def receive_response(self, response: Response) -> bool:
        """A response to a request we sent in this dialog (or to the INVITE that made it)."""
        if DialogId.of_response(response) != self.id:
            return False
        status, method = response.status, response.cseq.method
        if status in (408, 481):
            self.state = DialogState.TERMINATED  # §12.2.1.2
            return True
        if method == "INVITE" and self.state is DialogState.EARLY:
            if status >= 300:
                self.state = DialogState.TERMINATED
                return True
            if status >= 200:
                self.state = DialogState.CONFIRMED
                # §13.2.2.4: the 2xx's Record-Route is the route set from now on.
                self.route_set = list(reversed(response.record_routes))
        # §12.2.1.2: a 2xx to a target refresh moves the target; so does a 1xx while early.
        if method in TARGET_REFRESH and status < 300:
            contact = _first_contact(response)
            if contact is not None and (status >= 200 or self.state is DialogState.EARLY):
                self.remote_target = contact.uri
        return True

    def response_sent(self, response: Response) -> None:
        """A final response we sent to the INVITE that made this (early) dialog, UAS side."""
        if response.cseq.method != "INVITE" or self.state is not DialogState.EARLY:
            return
        if 200 <= response.status < 300:
            self.state = DialogState.CONFIRMED
        elif response.status >= 300:
            self.state = DialogState.TERMINATED

    def __repr__(self) -> str:
        side = "UAC" if self.is_uac else "UAS"
        return f"<Dialog {side} {self.id} {self.state.value} target={self.remote_target}>"
