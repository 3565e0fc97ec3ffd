"""RFC 4475 torture messages, and fuzzing: bad input only ever raises RemoteProtocolError."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.message import (
    Rejection,
    Request,
    Response,
    check_request,
    check_response,
    parse_message,
)

# shared/ lies beside the checkout (../shared from the project root).
DATA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "rfc4475"

# What each message must do, from RFC 4475 (and its README here):
#   "ok": parses and check passes;
#   "parse": parse_message raises RemoteProtocolError with this status;
#   a status number: parses, and check_request/check_response answers with it.
# A UAS that accepts only SDP bodies, supports no extensions, and forwards (Max-Forwards).
# (The switch forwards only INVITEs: zeromf, an OPTIONS, it serves, RFC 4475 §3.3.11; and the
# unknown methods of intmeth and esc02 pass these checks and get 501 from the switch.)
ACCEPT = ("application/sdp",)
EXPECTED: dict[str, str | int] = {
    # §3.1.1 valid messages
    "wsinv": "ok", "intmeth": "ok", "esc01": "ok", "escnull": "ok", "esc02": "ok",
    "lwsdisp": "ok", "longreq": "ok", "dblreq": "ok", "semiuri": "ok", "transports": "ok",
    "mpart01": "ok", "unreason": "ok", "noreason": "ok",
    # §3.1.2 invalid messages
    "badinv01": 400, "clerr": "parse", "ncl": "parse", "scalar02": 400, "scalarlg": 400,
    "quotbal": 400, "ltgtruri": "parse", "lwsruri": "parse", "lwsstart": "parse",
    "trws": "parse", "escruri": 400, "baddate": 400, "regbadct": 400, "badaspec": 400,
    "baddn": 400, "badvers": 505, "mismatch01": 400, "mismatch02": 400, "bigcode": "parse",
    # §3.2 to §3.4: they parse; the answer is ours to choose
    "badbranch": "ok", "insuf": 400, "unkscm": 416, "novelsc": 416, "unksm2": "ok",
    "bext01": 420, "invut": 415, "regaut01": "ok", "multi01": 400, "mcl01": "parse",
    "bcast": "ok", "zeromf": 483, "cparam01": "ok", "cparam02": "ok", "regescrt": "ok",
    "sdp01": "ok", "inv2543": "ok",
}  # fmt: skip
# Content checks apply to session-establishing requests only; a MESSAGE may carry anything.
NO_MEDIA_CHECK = {"mpart01"}
# Which defect decides, where the RFC names it.
REASONS = {
    "scalar02": "Bad CSeq header",
    "scalarlg": "Bad CSeq header",
    "mismatch01": "CSeq method does not match",
    "badinv01": "Bad Via header",
    "quotbal": "Bad To header",
    "baddate": "Bad Date header",
    "insuf": "Missing From header",
}


def check(message: Request | Response, name: str = "") -> Rejection | None:
    if isinstance(message, Response):
        return check_response(message)
    return check_request(message, accept=None if name in NO_MEDIA_CHECK else ACCEPT)


def without_length(message: Request | Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in message.headers.items() if k != "Content-Length"]


def test_every_file_has_an_expectation() -> None:
    assert DATA.is_dir()
    assert {p.stem for p in DATA.glob("*.dat")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rfc4475(name: str) -> None:
    data = (DATA / f"{name}.dat").read_bytes()
    expected = EXPECTED[name]
    if expected == "parse":
        with pytest.raises(RemoteProtocolError) as caught:
            parse_message(data)
        assert caught.value.status_hint == 400
        if data.startswith(b"SIP/"):
            assert caught.value.partial is None
        else:
            assert caught.value.partial is not None  # enough to address the 400
        return
    message = parse_message(data)
    rejection = check(message, name)
    if expected == "ok":
        assert rejection is None
        # A message that passed can be written out and read back the same.
        again = parse_message(message.to_bytes())
        assert without_length(again) == without_length(message)
        assert again.body == message.body
    else:
        assert rejection is not None
        assert rejection.status == expected
        if name in REASONS:
            assert rejection.reason == REASONS[name]


def test_details_of_valid_messages() -> None:
    esc01 = parse_message((DATA / "esc01.dat").read_bytes())
    assert isinstance(esc01, Request)
    assert str(esc01.uri) == "sip:sips%3Auser%40example.com@example.net"
    assert esc01.from_.uri.user == "I have spaces"  # type: ignore[union-attr]
    intmeth = parse_message((DATA / "intmeth.dat").read_bytes())
    assert isinstance(intmeth, Request)
    assert intmeth.method == "!interesting-Method0123456789_*+`.%indeed'~"
    assert intmeth.to.display == "BEL:\x07 NUL:\x00 DEL:\x7f"
    wsinv = parse_message((DATA / "wsinv.dat").read_bytes())
    assert [v.branch for v in wsinv.vias] == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"]
    assert wsinv.from_.display == 'J Rosenberg \\"'
    assert (wsinv.cseq.seq, wsinv.max_forwards) == (9, 68)
    assert wsinv.contacts[0].q == 0.33
    assert wsinv.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    longreq = parse_message((DATA / "longreq.dat").read_bytes())
    assert len(longreq.vias) == 34
    dblreq = parse_message((DATA / "dblreq.dat").read_bytes())
    assert isinstance(dblreq, Request) and dblreq.method == "REGISTER" and dblreq.body == b""
    esc02 = parse_message((DATA / "esc02.dat").read_bytes())
    assert len(esc02.contacts) == 2  # "C%6Fntact" is another header
    bext01 = parse_message((DATA / "bext01.dat").read_bytes())
    assert isinstance(bext01, Request)
    rejection = check_request(bext01)
    assert rejection is not None
    assert rejection.headers == (("Unsupported", "nothingSupportsThis, nothingSupportsThisEither"),)


# -- fuzzing -----------------------------------------------------------------------------------

SEEDS = [p.read_bytes() for p in sorted(DATA.glob("*.dat"))] if DATA.is_dir() else [b""]


VIEWS = (
    "vias", "top_via", "call_id", "cseq", "from_", "to", "contacts", "routes", "record_routes",
    "max_forwards", "expires", "content_type", "contact_star",
)  # fmt: skip


def exercise(data: bytes) -> None:
    """Parse and touch every typed view: RemoteProtocolError is the only way to fail."""
    try:
        message = parse_message(data, max_size=70000)
    except RemoteProtocolError as exc:
        assert isinstance(exc.reason, str) and 100 <= exc.status_hint <= 699
        if exc.partial is not None:
            check(exc.partial)
            exc.partial.response(400, exc.reason, to_tag="t").to_bytes()
        return
    check(message)
    for view in VIEWS:
        with contextlib.suppress(RemoteProtocolError):
            getattr(message, view)
    message.headers.get_all("Supported")
    again = parse_message(message.to_bytes())
    assert type(again) is type(message)
    if isinstance(message, Request):
        message.response(200, to_tag="x").to_bytes()


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    exercise(data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    alphabet = b' \t\r\n:;,<>"\\@=%/?*[]0123456789azAZ\x00\xff\xc3'
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        action = draw(st.integers(0, 3))
        if action == 0:
            data[pos] = draw(st.sampled_from(alphabet))
        elif action == 1:
            del data[pos : pos + draw(st.integers(1, 20))]
        elif action == 2:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        else:
            data[pos:pos] = bytes([draw(st.sampled_from(alphabet))]) * draw(st.integers(1, 50))
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_valid_messages(data: bytes) -> None:
    exercise(data)


@FUZZ
@given(st.text(max_size=300))
def test_random_header_text(text: str) -> None:
    head = "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    exercise(f"{head}{text}\r\n\r\n".encode("utf-8", "surrogatepass"))
