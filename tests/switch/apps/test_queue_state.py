"""The queue as data: first come first served, the longest-idle operator, fair after misses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from vaxel.domain.clock import TZ
from vaxel.switch.apps.queue_state import Operator, QueueState, WaitingCall

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
ANNA = Operator(1, "Anna", "4001")
BO = Operator(2, "Bo", "4002")
CIA = Operator(3, "Cia", "4003")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def caller(call_id: str, seconds: float = 0) -> WaitingCall:
    return WaitingCall(call_id, f"+4670{call_id}", at(seconds), dialled="Växeln")


def test_callers_are_served_in_order_and_know_their_place() -> None:
    q = QueueState()
    assert q.join(caller("a")) == 1
    assert q.join(caller("b", 5)) == 2
    assert q.join(caller("c", 9)) == 3
    assert [q.position(c) for c in "abc"] == [1, 2, 3]
    left = q.leave("a", at(30))
    assert left is not None and left.wait_s == 30
    assert [q.position(c) for c in "bc"] == [1, 2] and q.position("a") is None
    assert q.leave("a", at(31)) is None
    with pytest.raises(ValueError):
        q.join(caller("b"))


def test_no_offer_without_a_free_operator() -> None:
    q = QueueState()
    q.join(caller("a"))
    assert q.next_offer() is None
    q.sign_in(ANNA, at(0))
    assert q.next_offer() == (caller("a"), ANNA)


def test_the_longest_idle_operator_gets_the_next_call() -> None:
    q = QueueState()
    q.sign_in(ANNA, at(0))
    q.sign_in(BO, at(10))
    q.sign_in(CIA, at(20))
    for call_id in "abcd":
        q.join(caller(call_id))
    call, operator = q.next_offer() or (None, None)
    assert call == caller("a") and operator == ANNA
    q.start_offer("a", ANNA)
    call, operator = q.next_offer() or (None, None)
    assert call == caller("b") and operator == BO  # a is ringing at Anna's: b goes to Bo
    q.start_offer("b", BO)
    q.offer_answered("a", ANNA.person_id, at(30))
    q.offer_answered("b", BO.person_id, at(31))
    q.call_ended(BO.person_id, at(40))  # Bo is free first, but Cia has been idle since 20
    call, operator = q.next_offer() or (None, None)
    assert call == caller("c") and operator == CIA
    q.start_offer("c", CIA)
    q.call_ended(ANNA.person_id, at(50))
    assert q.next_offer() == (caller("d"), BO)  # idle since 40, before Anna's 50


def test_an_unanswered_offer_keeps_the_callers_place_and_moves_the_operator_back() -> None:
    q = QueueState()
    q.sign_in(ANNA, at(0))
    q.sign_in(BO, at(5))
    q.join(caller("a"))
    q.join(caller("b"))
    q.start_offer("a", ANNA)
    assert not q.offer_failed("a", ANNA.person_id, at(20))
    assert q.position("a") == 1  # still first in line
    assert q.next_offer() == (caller("a"), BO)  # Anna missed: Bo is the longest idle now


def test_too_many_misses_sign_the_operator_out() -> None:
    q = QueueState(max_missed=2)
    q.sign_in(ANNA, at(0))
    q.join(caller("a"))
    q.start_offer("a", ANNA)
    assert not q.offer_failed("a", ANNA.person_id, at(15))
    q.start_offer("a", ANNA)
    assert q.offer_failed("a", ANNA.person_id, at(30))
    assert not q.is_signed_in(ANNA.person_id)
    assert q.next_offer() is None


def test_answering_resets_misses_and_withdrawing_is_no_fault() -> None:
    q = QueueState(max_missed=2)
    q.sign_in(ANNA, at(0))
    q.join(caller("a"))
    q.join(caller("b"))
    q.start_offer("a", ANNA)
    q.offer_failed("a", ANNA.person_id, at(15))
    q.start_offer("a", ANNA)
    q.offer_withdrawn("a", ANNA.person_id)  # the caller hung up while it rang
    q.leave("a", at(16))
    q.start_offer("b", ANNA)
    left = q.offer_answered("b", ANNA.person_id, at(20))
    assert left is not None and left.call.call_id == "b" and left.wait_s == 20
    assert q.operators()[0].missed == 0 and q.operators()[0].on_call == "b"
    assert len(q) == 0


def test_signing_out_during_an_offer_frees_the_call() -> None:
    q = QueueState()
    q.sign_in(ANNA, at(0))
    q.sign_in(BO, at(1))
    q.join(caller("a"))
    q.start_offer("a", ANNA)
    assert q.sign_out(ANNA.person_id)
    assert not q.sign_out(ANNA.person_id)
    assert q.offered_to("a") is None
    assert q.next_offer() == (caller("a"), BO)


def test_sign_in_twice_and_busy_operators() -> None:
    q = QueueState()
    assert q.sign_in(ANNA, at(0))
    assert not q.sign_in(Operator(1, "Anna", "4999"), at(5))  # already in; new number kept
    assert q.operators()[0].number == "4999"
    q.join(caller("a"))
    q.start_offer("a", ANNA)
    with pytest.raises(ValueError):
        q.start_offer("a", BO)  # already offered
    q.join(caller("b"))
    with pytest.raises(ValueError):
        q.start_offer("b", Operator(1, "Anna", "4999"))  # Anna's phone already rings


def test_snapshot_for_the_console() -> None:
    q = QueueState()
    q.sign_in(ANNA, at(0))
    q.join(caller("a", 0))
    q.join(WaitingCall("b", "+46701112233", at(20), caller_name="Per Persson", dialled="Bygglov"))
    q.start_offer("a", ANNA)
    views = q.snapshot(at(60))
    assert [(v.call_id, v.position, v.wait_s, v.offered_to) for v in views] == [
        ("a", 1, 60.0, 1),
        ("b", 2, 40.0, None),
    ]
    assert views[1].caller_name == "Per Persson" and views[1].dialled == "Bygglov"
    assert views[1].waiting_since == at(20)


def test_restored_operators_keep_their_sign_in_time_and_order() -> None:
    q = QueueState()
    assert q.sign_in(CIA, at(500))  # signed in (by phone) before the restore got to her
    assert q.restore(ANNA, at(-3600), at(600))
    assert q.restore(BO, at(-60), at(600))
    assert not q.restore(CIA, at(-7200), at(600))  # already in: her sign-in is newer
    views = {v.person_id: v for v in q.operators()}
    assert [views[p].signed_in_at for p in (1, 2, 3)] == [at(-3600), at(-60), at(500)]
    assert views[1].idle_since == views[2].idle_since == at(600)
    q.join(caller("a", 601))
    offer = q.next_offer()
    assert offer is not None and offer[1] == CIA  # idle the longest (since 500)
    q.start_offer("a", CIA)
    q.join(caller("b", 602))
    offer = q.next_offer()
    assert offer is not None and offer[1] == ANNA  # as idle as Bo, but restored first
