"""RFC 3261 §12 dialogs: route sets, CSeq rules, target refresh, and a whole call."""

from __future__ import annotations

import pytest
from twopeer import TwoPeers, make_request

from vaxel.sip.dialog import Dialog, DialogId, DialogState, new_tag
from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.message import Request, Response
from vaxel.sip.transaction import MAGIC_COOKIE, ISTState, new_branch

BOB_CONTACT = ("Contact", "<sip:bob@192.0.2.2:5062>")
BOB_VIA = "SIP/2.0/UDP 192.0.2.2:5062;rport"
# As the INVITE reaches bob: p2 (next to bob) put its Record-Route on top of p1's.
RECORD_ROUTE = (
    ("Record-Route", "<sip:p2.example.com;lr>"),
    ("Record-Route", "<sip:p1.example.com;lr>"),
)


def hosts(dialog: Dialog) -> list[str]:
    return [str(route.uri).split(":")[1].split(";")[0] for route in dialog.route_set]


def call(extra: tuple[tuple[str, str], ...] = RECORD_ROUTE, status: int = 200,
         uri: str = "sip:bob@example.com") -> tuple[Request, Response, Dialog, Dialog]:
    """An INVITE, its response, and the dialogs it makes on both sides."""
    invite = make_request("INVITE", branch=new_branch(), extra=extra, uri=uri)
    answer = invite.response(status, to_tag="bob-tag", headers=[BOB_CONTACT])
    uac = Dialog.from_uac(invite, answer)
    uas = Dialog.from_uas(invite, answer, via=BOB_VIA)
    return invite, answer, uac, uas


def test_route_set_is_reversed_for_the_uac_and_kept_for_the_uas() -> None:
    invite, _, uac, uas = call()
    assert hosts(uac) == ["p1.example.com", "p2.example.com"]
    assert hosts(uas) == ["p2.example.com", "p1.example.com"]
    assert uac.id == DialogId(invite.call_id, "alice-tag", "bob-tag")
    assert uas.id == DialogId(invite.call_id, "bob-tag", "alice-tag")
    assert str(uac.remote_target) == "sip:bob@192.0.2.2:5062"
    assert str(uas.remote_target) == "sip:alice@client.example.com:5060"
    assert (uac.local_seq, uac.remote_seq) == (1, None)
    assert (uas.local_seq, uas.remote_seq) == (None, 1)
    assert uac.state is uas.state is DialogState.CONFIRMED
    assert str(uac.local_uri) == "sip:alice@example.com" == str(uas.remote_uri)
    assert not uac.secure


def test_loose_routing_keeps_the_remote_target_in_the_request_uri() -> None:
    invite, _, uac, _ = call()
    bye = uac.create_request("BYE")
    assert str(bye.uri) == "sip:bob@192.0.2.2:5062"
    assert bye.headers.get_all("Route") == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    assert (bye.cseq.seq, bye.cseq.method) == (2, "BYE")
    assert (bye.from_.tag, bye.to.tag, bye.call_id) == ("alice-tag", "bob-tag", invite.call_id)
    via = bye.top_via
    assert via.branch and via.branch.startswith(MAGIC_COOKIE)
    assert via.branch != invite.top_via.branch
    assert (via.host, via.port) == (invite.top_via.host, invite.top_via.port)
    assert "Contact" not in bye.headers  # BYE refreshes nothing
    assert uac.state is DialogState.TERMINATED


def test_strict_router_goes_into_the_request_uri() -> None:
    extra = (("Record-Route", "<sip:p2.example.com;lr>, <sip:p1.example.com;method=INVITE>"),)
    _, _, uac, _ = call(extra)
    info = uac.create_request("INFO")
    # §12.2.1.1: first route as Request-URI (minus what a Request-URI may not carry), the
    # rest as Route, the remote target last.
    assert str(info.uri) == "sip:p1.example.com"
    assert info.headers.get_all("Route") == ["<sip:p2.example.com;lr>", "<sip:bob@192.0.2.2:5062>"]


def test_no_route_set_means_no_route_header() -> None:
    _, _, uac, uas = call(extra=())
    options = uas.create_request("OPTIONS")
    assert "Route" not in options.headers
    assert str(options.uri) == str(uas.remote_target)
    assert (options.cseq.seq, options.from_.tag, options.to.tag) == (1, "bob-tag", "alice-tag")
    assert options.top_via.host == "192.0.2.2" and options.top_via.rport is True
    assert uac.request_uri_and_routes() == (uac.remote_target, [])


def test_local_cseq_counts_and_the_2xx_ack_keeps_the_invite_number() -> None:
    invite, _, uac, _ = call()
    assert uac.create_request("INFO").cseq.seq == 2
    ack = uac.create_ack(invite.cseq.seq)
    assert (ack.cseq.seq, ack.cseq.method, ack.method) == (1, "ACK", "ACK")
    assert ack.top_via.branch != invite.top_via.branch  # a transaction of its own
    assert str(ack.uri) == "sip:bob@192.0.2.2:5062"
    assert ack.headers.get_all("Route") == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    assert uac.create_request("INFO").cseq.seq == 3
    for method in ("ACK", "CANCEL"):
        with pytest.raises(LocalProtocolError):
            uac.create_request(method)


def test_lower_remote_cseq_is_refused_with_500() -> None:
    _, _, _, uas = call()
    info = make_request("INFO", cseq=5, to_tag="bob-tag")
    assert uas.receive_request(info)
    assert uas.remote_seq == 5
    with pytest.raises(RemoteProtocolError) as refused:
        uas.receive_request(make_request("INFO", cseq=4, to_tag="bob-tag"))
    assert refused.value.status_hint == 500
    assert uas.remote_seq == 5
    # An ACK carries its INVITE's number, however far behind.
    assert uas.receive_request(make_request("ACK", cseq=1, to_tag="bob-tag"))
    # Not this dialog: another tag, or no tag at all.
    assert not uas.receive_request(make_request("INFO", cseq=9, to_tag="other"))
    assert not uas.receive_request(make_request("INFO", cseq=9))
    assert DialogId.of_request(make_request("INFO")) is None


def test_target_refresh_by_reinvite_and_update() -> None:
    _, _, uac, uas = call()
    moved = ("Contact", "<sip:alice@198.51.100.9:5070>")
    assert uas.receive_request(make_request("INFO", cseq=2, to_tag="bob-tag", extra=(moved,)))
    assert str(uas.remote_target) == "sip:alice@client.example.com:5060"  # INFO refreshes nothing
    assert uas.receive_request(make_request("UPDATE", cseq=3, to_tag="bob-tag", extra=(moved,)))
    assert str(uas.remote_target) == "sip:alice@198.51.100.9:5070"

    reinvite = uac.create_request("INVITE")
    assert str(reinvite.contacts[0].uri) == "sip:alice@client.example.com:5060"  # ours goes along
    ok = reinvite.response(200, headers=[("Contact", "<sip:bob@203.0.113.5>")])
    assert uac.receive_response(ok)
    assert str(uac.remote_target) == "sip:bob@203.0.113.5"
    refused = reinvite.response(488, headers=[("Contact", "<sip:bob@203.0.113.77>")])
    assert uac.receive_response(refused)
    assert str(uac.remote_target) == "sip:bob@203.0.113.5"
    assert uac.state is DialogState.CONFIRMED  # a failed re-INVITE leaves the dialog


def test_early_dialog_is_confirmed_by_the_2xx_and_its_route_set() -> None:
    invite = make_request("INVITE", branch=new_branch(), extra=RECORD_ROUTE)
    ringing = invite.response(180, to_tag="bob-tag", headers=[BOB_CONTACT])
    uac = Dialog.from_uac(invite, ringing)
    assert uac.state is DialogState.EARLY
    assert hosts(uac) == ["p1.example.com", "p2.example.com"]
    other_fork = invite.response(180, to_tag="carol-tag", headers=[BOB_CONTACT])
    assert not uac.receive_response(other_fork)
    ok = invite.response(200, to_tag="bob-tag", record_route=False,
                         headers=[("Record-Route", "<sip:p9.example.com;lr>"),
                                  ("Contact", "<sip:bob@192.0.2.99>")])
    assert uac.receive_response(ok)
    assert uac.state is DialogState.CONFIRMED
    assert hosts(uac) == ["p9.example.com"]
    assert str(uac.remote_target) == "sip:bob@192.0.2.99"

    uas = Dialog.from_uas(invite, ringing, via=BOB_VIA)
    assert uas.state is DialogState.EARLY
    uas.response_sent(invite.response(486, to_tag="bob-tag"))
    assert uas.state is DialogState.TERMINATED


def test_early_dialog_ends_with_a_failure_and_481_ends_any() -> None:
    invite = make_request("INVITE", branch=new_branch())
    uac = Dialog.from_uac(invite, invite.response(183, to_tag="bob-tag"))
    assert str(uac.remote_target) == "sip:bob@example.com"  # no Contact in the 183 yet
    assert uac.receive_response(invite.response(486, to_tag="bob-tag"))
    assert uac.state is DialogState.TERMINATED

    _, _, confirmed, _ = call()
    info = confirmed.create_request("INFO")
    assert confirmed.receive_response(info.response(481))
    assert confirmed.state is DialogState.TERMINATED


def test_bye_ends_the_dialog() -> None:
    _, _, uac, uas = call()
    assert uas.receive_request(make_request("BYE", cseq=2, to_tag="bob-tag"))
    assert uas.state is DialogState.TERMINATED
    assert not uas.receive_request(make_request("INFO", cseq=3, to_tag="bob-tag"))
    with pytest.raises(LocalProtocolError):
        uas.create_request("INFO")
    uas.create_request("BYE")  # a BYE may be sent again (say, with credentials)
    uac.terminate()
    assert uac.state is DialogState.TERMINATED


def test_constructors_check_their_input() -> None:
    invite = make_request("INVITE")
    with pytest.raises(LocalProtocolError):
        Dialog.from_uac(invite, invite.response(100))
    untagged = invite.response(200, headers=[BOB_CONTACT])
    untagged.headers.set("To", invite.headers.get("To") or "")  # as a broken peer sends it
    with pytest.raises(RemoteProtocolError):
        Dialog.from_uac(invite, untagged)  # no To tag
    with pytest.raises(RemoteProtocolError):
        Dialog.from_uac(invite, invite.response(200, to_tag="bob-tag"))  # no Contact
    with pytest.raises(LocalProtocolError):
        Dialog.from_uas(invite, untagged)  # no tag of ours
    uas = Dialog.from_uas(invite, invite.response(200, to_tag="b", headers=[BOB_CONTACT]))
    with pytest.raises(LocalProtocolError, match="via"):
        uas.create_request("BYE")  # the UAS was not told its Via


def test_secure_flag_follows_a_sips_request_uri() -> None:
    _, _, uac, uas = call(uri="sips:bob@example.com")
    assert uac.secure and uas.secure
    assert len(new_tag()) == 16 and new_tag(b"\x0a") == "0a"


def test_a_whole_call_between_two_peers() -> None:
    """INVITE / 180 / 200 / ACK / BYE / 200, each side keeping its dialog."""
    link = TwoPeers()
    invite = make_request("INVITE", branch=new_branch(), extra=(
        ("Record-Route", "<sip:proxy.example.com;lr>"),
    ))
    link.client.start(invite)
    link.run(until=0.0)
    ist = link.server.last_server_tx
    got = ist.request

    ringing = got.response(180, to_tag=new_tag(b"bob"), headers=[BOB_CONTACT])
    uas = Dialog.from_uas(got, ringing, via=BOB_VIA)
    link.server.respond(ist, ringing)
    link.run(until=0.0)
    provisional = link.client.delivered()[-1]
    assert isinstance(provisional, Response)
    uac = Dialog.from_uac(invite, provisional)
    assert uac.state is uas.state is DialogState.EARLY
    assert uac.id.remote_tag == uas.id.local_tag == "626f62"

    link.run(until=2.0)
    ok = got.response(200, to_tag=uas.id.local_tag, headers=[BOB_CONTACT])
    link.server.respond(ist, ok)
    uas.response_sent(ok)
    link.run(until=2.0)
    answer = link.client.delivered()[-1]
    assert isinstance(answer, Response) and answer.status == 200
    assert uac.receive_response(answer)
    assert uac.state is uas.state is DialogState.CONFIRMED

    link.client.send_raw(uac.create_ack(invite.cseq.seq))
    link.run(until=2.0)
    ack = link.server.delivered()[-1]
    assert isinstance(ack, Request) and ack.method == "ACK"
    assert uas.receive_request(ack)
    assert ist.state is ISTState.ACCEPTED and ist.acked

    link.run(until=10.0)
    assert link.sent("server", "200") == [2.0]  # the ACK stopped the 2xx retransmissions
    bye = uac.create_request("BYE")
    assert bye.headers.get_all("Route") == ["<sip:proxy.example.com;lr>"]
    link.client.start(bye)
    link.run(until=10.0)
    bye_tx = link.server.last_server_tx
    assert bye_tx.request.method == "BYE"
    assert uas.receive_request(bye_tx.request)
    link.server.respond(bye_tx, bye_tx.request.response(200))
    link.run(until=10.0)
    done = link.client.delivered()[-1]
    assert isinstance(done, Response) and (done.status, done.cseq.method) == (200, "BYE")
    assert uac.receive_response(done)
    assert uac.state is uas.state is DialogState.TERMINATED

    link.run(until=100.0)
    assert len(link.client.table) == len(link.server.table) == 0
    assert link.client.strays == link.server.strays == []
    assert link.server.delivered_names() == ["INVITE", "ACK", "BYE"]
