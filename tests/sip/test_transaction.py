"""RFC 3261 §17 transactions: every timer of Figures 5–8, matching, and the table."""

from __future__ import annotations

import pytest
from twopeer import TwoPeers, make_request

from vaxel.sip.errors import LocalProtocolError
from vaxel.sip.message import Request, parse_message
from vaxel.sip.timers import Timer, TimerConfig
from vaxel.sip.transaction import (
    MAGIC_COOKIE,
    ClientInviteTransaction,
    ClientNonInviteTransaction,
    Deliver,
    ICTState,
    ISTState,
    NICTState,
    NISTState,
    ServerInviteTransaction,
    ServerNonInviteTransaction,
    Terminated,
    Timeout,
    TransactionKey,
    Transmit,
    TransportError,
    make_ack_for_non2xx,
    make_cancel,
    new_branch,
)
from vaxel.sip.transaction_table import TransactionTable

# Doubling from T1 = 0.5, capped at T2 = 4, until 64*T1 = 32 (Timers E and G).
CAPPED = [0.0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]


def lost_times(link: TwoPeers, sender: str, name: str) -> list[float]:
    return [at for at, who, what in link.lost if who == sender and what == name]


def terminated_at(peer_records: list, tx: object) -> list[float]:
    return [r.at for r in peer_records if r.tx is tx and isinstance(r.action, Terminated)]


# -- Figure 5: INVITE client transaction -------------------------------------------------------


def test_ict_timer_a_doubles_without_cap_and_timer_b_times_out() -> None:
    link = TwoPeers()
    link.lose("client", "INVITE", count=100)
    tx = link.client.start(make_request("INVITE"))
    link.run(until=100.0)
    assert lost_times(link, "client", "INVITE") == [0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    timeouts = link.client.actions_of(Timeout)
    assert [(r.at, r.action) for r in timeouts] == [(32.0, Timeout(Timer.B))]
    assert tx.state is ICTState.TERMINATED
    assert terminated_at(link.client.records, tx) == [32.0]
    assert len(link.client.table) == 0 and tx.get_timer() is None


def test_ict_over_reliable_transport_has_no_timer_a() -> None:
    link = TwoPeers(reliable=True)
    link.lose("client", "INVITE", count=100)
    link.client.start(make_request("INVITE"))
    link.run(until=100.0)
    assert lost_times(link, "client", "INVITE") == [0.0]
    assert [r.at for r in link.client.actions_of(Timeout)] == [32.0]


def test_ict_timer_b_follows_t1() -> None:
    link = TwoPeers(config=TimerConfig(t1=0.25, t2=2.0))
    link.lose("client", "INVITE", count=100)
    link.client.start(make_request("INVITE"))
    link.run(until=100.0)
    assert [r.at for r in link.client.actions_of(Timeout)] == [16.0]


def test_ict_1xx_stops_retransmission_and_timer_b() -> None:
    link = TwoPeers()
    tx = link.client.start(make_request("INVITE"))
    link.run(until=0.0)
    assert tx.state is ICTState.PROCEEDING  # the 100 Trying came back at once
    link.run(until=200.0)
    assert link.sent("client", "INVITE") == [0.0]
    assert link.client.actions_of(Timeout) == []
    assert tx.state is ICTState.PROCEEDING and tx.get_timer() is None


@pytest.mark.parametrize(("reliable", "timer_d"), [(False, 32.0), (True, 0.0)])
def test_ict_acks_a_486_itself_and_timer_d(reliable: bool, timer_d: float) -> None:
    link = TwoPeers(reliable=reliable)
    invite = make_request("INVITE")
    ict = link.client.start(invite)
    assert isinstance(ict, ClientInviteTransaction)
    link.run(until=0.0)
    ist = link.server.last_server_tx
    link.run(until=1.0)
    link.server.respond(ist, ist.request.response(486, to_tag="bob-tag"))
    link.run(until=1.0)

    assert ict.state is (ICTState.COMPLETED if timer_d else ICTState.TERMINATED)
    assert link.sent("client", "ACK") == [1.0]
    ack = ict.ack
    assert ack is not None
    assert ack.top_via.branch == invite.top_via.branch  # same transaction (§17.1.1.3)
    assert (ack.cseq.seq, ack.cseq.method) == (1, "ACK")
    assert ack.to.tag == "bob-tag" and str(ack.uri) == str(invite.uri)
    # The TU sees the 486, never the ACK; the server TU sees only the INVITE.
    assert link.client.delivered_names() == ["100", "486"]
    assert link.server.delivered_names() == ["INVITE"]
    assert ist.state is (ISTState.CONFIRMED if not reliable else ISTState.TERMINATED)

    link.run(until=100.0)
    assert terminated_at(link.client.records, ict) == [1.0 + timer_d]


def test_ict_resends_ack_for_retransmitted_final_response() -> None:
    link = TwoPeers()
    link.lose("client", "ACK", count=2)
    link.client.start(make_request("INVITE"))
    link.run(until=0.0)
    ist = link.server.last_server_tx
    link.server.respond(ist, ist.request.response(486, to_tag="bob-tag"))
    link.run(until=2.0)
    # ACK at 0 lost, the 486 again at 0.5 (Timer G), ACK lost, 486 at 1.5, ACK arrives.
    assert link.sent("server", "486") == [0.0, 0.5, 1.5]
    assert lost_times(link, "client", "ACK") == [0.0, 0.5]
    assert link.sent("client", "ACK") == [1.5]
    assert ist.state is ISTState.CONFIRMED
    assert link.client.delivered_names() == ["100", "486"]
    link.run(until=10.0)
    assert terminated_at(link.server.records, ist) == [6.5]  # Timer I: T4 after the ACK


def test_ict_2xx_goes_up_without_ack_and_timer_m() -> None:
    link = TwoPeers()
    ict = link.client.start(make_request("INVITE"))
    assert isinstance(ict, ClientInviteTransaction)
    link.run(until=0.0)
    ist = link.server.last_server_tx
    ok = ist.request.response(200, to_tag="bob-tag", headers=[("Contact", "<sip:bob@b.example>")])
    link.server.respond(ist, ok)
    link.run(until=0.0)
    assert ict.state is ICTState.ACCEPTED
    assert ict.ack is None and link.sent("client", "ACK") == []  # the TU ACKs a 2xx
    assert link.client.delivered_names() == ["100", "200"]
    link.run(until=100.0)
    # No ACK came, so the IST resent the 2xx; each retransmission went up (RFC 6026).
    assert link.sent("server", "200") == CAPPED
    assert len(link.client.delivered()) == 2 + len(CAPPED) - 1
    assert terminated_at(link.client.records, ict) == [32.0]
    # Timer L ends the IST and tells the TU the ACK never came (§13.3.1.4).
    assert [(r.at, r.action) for r in link.server.actions_of(Timeout)] == [(32.0, Timeout(Timer.L))]


# -- Figure 6: non-INVITE client transaction ---------------------------------------------------


def test_nict_timer_e_caps_at_t2_and_timer_f_times_out() -> None:
    link = TwoPeers()
    link.lose("client", "OPTIONS", count=100)
    tx = link.client.start(make_request("OPTIONS"))
    link.run(until=100.0)
    assert lost_times(link, "client", "OPTIONS") == CAPPED
    assert [(r.at, r.action) for r in link.client.actions_of(Timeout)] == [(32.0, Timeout(Timer.F))]
    assert tx.state is NICTState.TERMINATED


def test_nict_in_proceeding_retransmits_every_t2() -> None:
    link = TwoPeers()
    tx = link.client.start(make_request("REGISTER"))
    link.run(until=0.0)
    nist = link.server.last_server_tx
    link.server.respond(nist, nist.request.response(100))
    link.run(until=0.0)
    assert tx.state is NICTState.PROCEEDING
    link.run(until=10.0)
    # Timer E armed in Trying still fires at 0.5, then T2 apart; the NIST resends its 100.
    assert link.sent("client", "REGISTER") == [0.0, 0.5, 4.5, 8.5]
    assert link.sent("server", "100") == [0.0, 0.5, 4.5, 8.5]
    assert link.server.delivered_names() == ["REGISTER"]


@pytest.mark.parametrize(("reliable", "timer_k"), [(False, 5.0), (True, 0.0)])
def test_nict_timer_k(reliable: bool, timer_k: float) -> None:
    link = TwoPeers(reliable=reliable)
    tx = link.client.start(make_request("OPTIONS"))
    link.run(until=0.0)
    link.run(until=2.0)
    nist = link.server.last_server_tx
    link.server.respond(nist, nist.request.response(200))
    link.run(until=2.0)
    assert tx.state is (NICTState.COMPLETED if timer_k else NICTState.TERMINATED)
    link.run(until=100.0)
    assert terminated_at(link.client.records, tx) == [2.0 + timer_k]
    assert link.client.delivered_names() == ["200"]


def test_nict_absorbs_retransmitted_final_response() -> None:
    link = TwoPeers()
    link.lose("server", "200", count=1)
    tx = link.client.start(make_request("OPTIONS"))
    link.run(until=0.0)
    nist = link.server.last_server_tx
    link.server.respond(nist, nist.request.response(200))
    link.run(until=0.5)  # the OPTIONS again; the NIST resends the 200
    assert tx.state is NICTState.COMPLETED
    assert tx.receive(tx.last_response, 1.0) == []  # type: ignore[arg-type]
    assert link.client.delivered_names() == ["200"]


# -- Figure 7: INVITE server transaction -------------------------------------------------------


def test_ist_timer_g_and_timer_h_when_the_ack_never_comes() -> None:
    link = TwoPeers()
    link.lose("client", "ACK", count=100)
    link.client.start(make_request("INVITE"))
    link.run(until=0.0)
    ist = link.server.last_server_tx
    link.server.respond(ist, ist.request.response(486, to_tag="bob-tag"))
    link.run(until=100.0)
    assert link.sent("server", "486") == CAPPED
    assert [(r.at, r.action) for r in link.server.actions_of(Timeout)] == [(32.0, Timeout(Timer.H))]
    assert terminated_at(link.server.records, ist) == [32.0]


@pytest.mark.parametrize(("reliable", "timer_i"), [(False, 5.0), (True, 0.0)])
def test_ist_timer_i_after_the_ack(reliable: bool, timer_i: float) -> None:
    link = TwoPeers(reliable=reliable)
    link.client.start(make_request("INVITE"))
    link.run(until=0.0)
    ist = link.server.last_server_tx
    link.run(until=3.0)
    link.server.respond(ist, ist.request.response(603, to_tag="bob-tag"))
    link.run(until=3.0)
    assert ist.state is (ISTState.CONFIRMED if timer_i else ISTState.TERMINATED)
    link.run(until=100.0)
    assert terminated_at(link.server.records, ist) == [3.0 + timer_i]
    assert link.sent("server", "603") == [3.0]  # the ACK stopped Timer G
    assert link.server.actions_of(Timeout) == []


def test_ist_over_reliable_transport_does_not_retransmit() -> None:
    link = TwoPeers(reliable=True)
    link.lose("client", "ACK", count=100)
    link.client.start(make_request("INVITE"))
    link.run(until=0.0)
    ist = link.server.last_server_tx
    link.server.respond(ist, ist.request.response(486, to_tag="bob-tag"))
    link.run(until=100.0)
    assert link.sent("server", "486") == [0.0]
    assert [r.at for r in link.server.actions_of(Timeout)] == [32.0]


def test_ist_absorbs_invite_retransmissions_and_resends_last_provisional() -> None:
    link = TwoPeers()
    link.lose("server", "100", count=1)
    link.lose("server", "180", count=1)
    ict = link.client.start(make_request("INVITE"))
    link.run(until=0.0)
    ist = link.server.last_server_tx
    link.run(until=0.5)  # INVITE again: the IST resends the (lost) 100
    assert link.sent("server", "100") == [0.5]
    link.server.respond(ist, ist.request.response(180, to_tag="bob-tag"))
    link.run(until=0.6)
    assert ist.receive(ist.request, 0.6) == [Transmit(ist.last_response)]  # type: ignore[arg-type]
    assert len(link.server.server_txs) == 1
    assert link.server.delivered_names() == ["INVITE"]
    assert ict.state is ICTState.PROCEEDING


def test_ist_without_trying_stays_silent_until_the_tu_answers() -> None:
    link = TwoPeers()
    link.server.trying = False
    ict = link.client.start(make_request("INVITE"))
    link.run(until=0.5)
    assert link.sent("server") == []
    assert link.sent("client", "INVITE") == [0.0, 0.5]
    assert len(link.server.server_txs) == 1
    assert ict.state is ICTState.CALLING


def test_ist_accepted_absorbs_invites_and_stops_on_the_2xx_ack() -> None:
    link = TwoPeers()
    link.lose("server", "200", count=1)
    link.client.start(make_request("INVITE"))
    link.run(until=0.0)
    ist = link.server.last_server_tx
    link.server.respond(ist, ist.request.response(200, to_tag="bob-tag"))
    assert ist.state is ISTState.ACCEPTED
    # An INVITE retransmission in Accepted is absorbed: nothing sent, nothing delivered.
    assert ist.receive(ist.request, 0.1) == []
    link.run(until=0.5)  # Timer 2xx resends the 200
    assert link.sent("server", "200") == [0.5]
    ok = link.client.delivered()[-1]
    ack = make_request("ACK", branch=new_branch(b"ack"), to_tag="bob-tag",
                       uri="sip:bob@b.example")
    assert ok.to.tag == "bob-tag"
    link.client.send_raw(ack)
    link.run(until=100.0)
    # The 2xx ACK is its own transaction (new branch): no §17.2.3 match, but found for the IST.
    assert link.server.table.match_request(ack) is None
    assert link.sent("server", "200") == [0.5]
    assert link.server.delivered_names() == ["INVITE", "ACK"]
    assert terminated_at(link.server.records, ist) == [32.0]  # Timer L, from the first 200
    assert link.server.actions_of(Timeout) == []


def test_server_tu_cannot_answer_twice() -> None:
    ist = ServerInviteTransaction(make_request("INVITE"), 0.0)
    ist.send_response(ist.request.response(486, to_tag="t"), 0.0)
    with pytest.raises(LocalProtocolError):
        ist.send_response(ist.request.response(200, to_tag="t"), 0.0)
    nist = ServerNonInviteTransaction(make_request("OPTIONS"), 0.0)
    nist.send_response(nist.request.response(200, to_tag="t"), 0.0)
    with pytest.raises(LocalProtocolError):
        nist.send_response(nist.request.response(100), 0.0)


# -- Figure 8: non-INVITE server transaction ---------------------------------------------------


@pytest.mark.parametrize(("reliable", "timer_j"), [(False, 32.0), (True, 0.0)])
def test_nist_timer_j_and_resending_the_final(reliable: bool, timer_j: float) -> None:
    link = TwoPeers(reliable=reliable)
    link.client.start(make_request("BYE", to_tag="bob-tag"))
    link.run(until=0.0)
    nist = link.server.last_server_tx
    assert nist.state is NISTState.TRYING
    assert nist.receive(nist.request, 0.0) == []  # Trying absorbs without answering
    link.server.respond(nist, nist.request.response(200))
    if not reliable:
        assert nist.receive(nist.request, 1.0) == [Transmit(nist.last_response)]  # type: ignore[arg-type]
    link.run(until=100.0)
    assert terminated_at(link.server.records, nist) == [timer_j]


def test_transport_error_terminates() -> None:
    tx = ClientNonInviteTransaction(make_request("OPTIONS"), 0.0)
    assert tx.transport_error(0.1, "ICMP unreachable") == [
        TransportError("ICMP unreachable"), Terminated()
    ]
    assert tx.get_timer() is None and tx.terminated
    assert tx.handle_timer(100.0) == []


# -- keys and matching -------------------------------------------------------------------------


def test_keys_of_section_17() -> None:
    invite = make_request("INVITE", branch="z9hG4bKabc")
    ack = make_request("ACK", branch="z9hG4bKabc", to_tag="t")
    cancel = make_request("CANCEL", branch="z9hG4bKabc")
    elsewhere = make_request("INVITE", branch="z9hG4bKabc", via_host="other.example.com")
    assert TransactionKey.for_server(ack) == TransactionKey.for_server(invite)
    assert TransactionKey.for_server(cancel) != TransactionKey.for_server(invite)
    assert TransactionKey.for_server(elsewhere) != TransactionKey.for_server(invite)
    assert TransactionKey.for_client(invite) == TransactionKey("z9hG4bKabc", "INVITE")
    assert TransactionKey.for_client(cancel) == TransactionKey("z9hG4bKabc", "CANCEL")
    response = parse_message(invite.response(180, to_tag="t").to_bytes())
    assert TransactionKey.for_client(response) == TransactionKey.for_client(invite)


def test_cancel_finds_its_invite() -> None:
    link = TwoPeers()
    invite = make_request("INVITE", branch=new_branch())
    link.client.start(invite)
    link.run(until=0.0)
    ist = link.server.last_server_tx
    cancel = make_cancel(invite)
    assert cancel.top_via.branch == invite.top_via.branch
    assert (cancel.cseq.seq, cancel.cseq.method) == (invite.cseq.seq, "CANCEL")
    assert str(cancel.uri) == str(invite.uri) and cancel.to.tag is None
    link.client.start(cancel)
    link.run(until=0.0)
    cancel_tx = link.server.last_server_tx
    assert isinstance(cancel_tx, ServerNonInviteTransaction) and cancel_tx is not ist
    found = link.server.table.find_invite_for_cancel(cancel_tx.request)
    assert found is ist
    link.server.respond(cancel_tx, cancel_tx.request.response(200, to_tag="bob-tag"))
    link.server.respond(ist, ist.request.response(487, to_tag="bob-tag"))
    link.run(until=0.0)
    assert link.client.delivered_names() == ["100", "200", "487"]
    # A CANCEL for an unknown INVITE finds nothing (the TU answers 481).
    stray = make_cancel(make_request("INVITE", branch=new_branch()))
    assert link.server.table.find_invite_for_cancel(stray) is None


def test_rfc2543_fallback_matching() -> None:
    table = TransactionTable()
    invite = make_request("INVITE", branch="")  # an RFC 2543 peer: no magic cookie
    ist = ServerInviteTransaction(invite, 0.0)
    table.add(ist)
    again = parse_message(invite.to_bytes())
    assert isinstance(again, Request)
    assert table.match_request(again) is ist
    other = make_request("INVITE", branch="", cseq=2)
    assert table.match_request(other) is None
    wrong_tag = make_request("INVITE", branch="", to_tag="x")
    assert table.match_request(wrong_tag) is None

    ist.send_response(invite.response(486, to_tag="bob-tag"), 0.0)
    ack = make_ack_for_non2xx(invite, ist.last_response)  # type: ignore[arg-type]
    assert ack.top_via.branch is None
    assert table.match_request(ack) is ist
    stale = make_request("ACK", branch="", to_tag="someone-else")
    assert table.match_request(stale) is None
    cancel = make_cancel(invite)
    assert table.find_invite_for_cancel(cancel) is ist
    ist.receive(ack, 0.1)
    assert ist.state is ISTState.CONFIRMED


def test_client_transaction_wants_a_cookie_branch() -> None:
    assert new_branch().startswith(MAGIC_COOKIE)
    assert new_branch(b"\x01\x02") == MAGIC_COOKIE + "0102"
    assert new_branch() != new_branch()
    with pytest.raises(LocalProtocolError):
        ClientInviteTransaction(make_request("INVITE", branch="old-style"), 0.0)
    with pytest.raises(LocalProtocolError):
        ClientNonInviteTransaction(make_request("INVITE"), 0.0)
    with pytest.raises(LocalProtocolError):
        ServerNonInviteTransaction(make_request("ACK"), 0.0)


def test_timer_config_is_checked() -> None:
    with pytest.raises(ValueError, match="t1"):
        TimerConfig(t1=5.0, t2=4.0)
    assert TimerConfig(t1=0.1).timeout == pytest.approx(6.4)


# -- the table ---------------------------------------------------------------------------------


def test_table_follows_calls_made_straight_on_a_transaction() -> None:
    table = TransactionTable()
    tx = ClientNonInviteTransaction(make_request("OPTIONS", branch=new_branch()), 0.0)
    table.add(tx)
    assert table.get_timer() == 0.5
    assert table.match_response(tx.request.response(200)) is tx
    # A final response straight to the transaction: Timer K (5 s) replaces E and F.
    assert tx.receive(tx.request.response(200), 0.2) == [Deliver(tx.last_response)]  # type: ignore[arg-type]
    assert table.get_timer() == pytest.approx(5.2)
    assert table.handle_timer(5.0) == []
    assert [a for _, a in table.handle_timer(table.get_timer() or 0.0)] == [Terminated()]
    assert len(table) == 0 and table.get_timer() is None
    table.add(ClientNonInviteTransaction(tx.request, 6.0))  # the key is free again
    with pytest.raises(LocalProtocolError):
        table.add(ClientNonInviteTransaction(tx.request, 6.0))


def test_table_with_5000_transactions() -> None:
    table = TransactionTable()
    txs = []
    for i in range(5000):
        now = i * 0.01  # 100 new transactions a second
        tx: ClientNonInviteTransaction | ServerNonInviteTransaction
        if i % 2:
            tx = ClientNonInviteTransaction(
                make_request("OPTIONS", branch=new_branch(i.to_bytes(4, "big"))), now
            )
        else:
            tx = ServerNonInviteTransaction(
                make_request("OPTIONS", branch=new_branch(i.to_bytes(4, "big"))), now
            )
        table.add(tx)
        txs.append(tx)
    assert len(table) == 5000
    # Half the server ones answer: their Timer J replaces nothing but arms at 64*T1.
    for tx in txs[:1000:2]:
        assert isinstance(tx, ServerNonInviteTransaction)
        tx.send_response(tx.request.response(200), 10.0)
    fired = {Timer.E: 0}
    timeouts = terminated = 0
    steps = 0
    while (deadline := table.get_timer()) is not None:
        steps += 1
        for _, action in table.handle_timer(deadline):
            if isinstance(action, Transmit):
                fired[Timer.E] += 1
            elif isinstance(action, Timeout):
                timeouts += 1
            elif isinstance(action, Terminated):
                terminated += 1
    assert len(table) == 2000
    assert terminated == 2500 + 500  # every client one, and the answered server ones
    assert timeouts == 2500 and fired[Timer.E] == 2500 * (len(CAPPED) - 1)
    remaining = [tx for tx in txs if not tx.terminated]
    assert len(remaining) == 2000  # unanswered server ones wait for their TU: no timer armed
    assert all(tx.get_timer() is None for tx in remaining)
    assert len(table._heap) == 0
