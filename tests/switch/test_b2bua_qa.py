"""B2BUA defects found by poking a running switch from outside, kept as tests."""

from __future__ import annotations

from switchboard import Switchboard

from vaxel.sip.message import Response
from vaxel.sip.transaction import make_cancel


def test_cancel_before_any_ringing_gets_the_to_tag_of_the_487() -> None:
    """RFC 3261 §9.2: the 200 to a CANCEL and the INVITE's final response SHOULD carry the
    same To tag. Cancelled while the callee had sent nothing yet (only our 100 Trying went
    out), the switch answered the CANCEL with one tag and the INVITE with another."""
    board = Switchboard()
    alice, desk = board.phone("1001", 5070), board.phone("1002", 5080)
    for phone in (alice, desk):
        assert phone.register().status == 200
        phone.take()
    invite = alice.call("1002")
    assert desk.got()[-1] == "INVITE"
    assert "180" not in alice.got()
    alice.send(make_cancel(invite))
    answers = [m for m in alice.inbox if isinstance(m, Response) and m.status in (200, 487)]
    assert sorted(m.status for m in answers) == [200, 487]
    assert answers[0].to.tag is not None
    assert answers[0].to.tag == answers[1].to.tag
