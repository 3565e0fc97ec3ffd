"""The parser's shortcuts give what the plain way gives: split params, digest params, the
memories of parsed values, and the cached views of a message when its Via changes."""

from __future__ import annotations

import gc
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaxel.sip.auth import parse_digest_params
from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.headers import _QUOTED_RE, Headers, NameAddr, Via, parse_params
from vaxel.sip.message import Request, parse_message
from vaxel.sip.timers import Timer, Timers
from vaxel.sip.uri import parse_uri

SETTINGS = settings(max_examples=400, deadline=None)
PIECES = [";", "=", " ", "\t", '"', "\\", ",", ":", "[", "]", "a", "B", "1", "-", ".", "é"]


# The grammar as first written: a quoted-string a character at a time, params by regex alone.
_TOKEN_CHARS = r"A-Za-z0-9\-.!%*_+`'~"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAM = (
    rf"[ \t]*;[ \t]*([{_TOKEN_CHARS}]+)"
    rf"(?:[ \t]*=[ \t]*((?:{_QUOTED}|[{_TOKEN_CHARS}:\[\]]+)))?"
)
_PARAM_RE = re.compile(_PARAM, re.DOTALL)
_PARAMS_RE = re.compile(rf"(?:{_PARAM})*[ \t]*", re.DOTALL)
_QUOTED_FIRST_RE = re.compile(_QUOTED, re.DOTALL)


def params_by_regex(text: str) -> dict[str, str | None]:
    """parse_params as it was: the regex alone."""
    if not text:
        return {}
    if _PARAMS_RE.fullmatch(text) is None:
        raise RemoteProtocolError("Bad header parameters")
    return {name.lower(): value or None for name, value in _PARAM_RE.findall(text)}


@SETTINGS
@given(st.lists(st.sampled_from(['"', "\\", "a", " ", "\n", ";", "é"]), max_size=20).map("".join))
def test_quoted_strings_match_as_first_written(text: str) -> None:
    for start in range(len(text)):
        mine, first = _QUOTED_RE.match(text, start), _QUOTED_FIRST_RE.match(text, start)
        assert (mine and mine.span()) == (first and first.span())


def outcome(parse: object, text: str) -> object:
    try:
        return parse(text)  # type: ignore[operator]
    except RemoteProtocolError:
        return "error"


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_params_split_as_the_regex_does(text: str) -> None:
    assert outcome(parse_params, text) == outcome(params_by_regex, text)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [";branch=z9hG4bK1", ";rport", " ; Received = 10.0.0.1 ", ";x", "=y", ';q="a;b"', " "]
        ),
        max_size=6,
    ).map("".join)
)
def test_params_of_plausible_vias(text: str) -> None:
    assert outcome(parse_params, text) == outcome(params_by_regex, text)


_LOOSE_PARAM = re.compile(
    r'[ \t]*([A-Za-z0-9_\-]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^ \t,"]+)[ \t]*(?:,|\Z)', re.DOTALL
)


def digest_by_loop(value: str) -> dict[str, str]:
    """parse_digest_params as it was: one match after another."""
    scheme, _, rest = value.strip(" \t").partition(" ")
    if scheme.lower() != "digest":
        raise RemoteProtocolError("scheme")
    params: dict[str, str] = {}
    pos = 0
    rest = rest.strip(" \t")
    while pos < len(rest):
        m = _LOOSE_PARAM.match(rest, pos)
        if m is None or m.end() == pos:
            raise RemoteProtocolError("Bad Authorization header")
        raw = m.group(2)
        inner = raw[1:-1]
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = re.sub(r"\\(.)", r"\1", inner, flags=re.DOTALL)
        params[m.group(1).lower()] = raw
        pos = m.end()
    return params


@SETTINGS
@given(
    st.lists(
        st.sampled_from(["a", "nc", "=", '"', "\\", ",", " ", "x y", "00000001", "Uri", '"q,r"']),
        max_size=24,
    ).map(lambda parts: "Digest " + "".join(parts))
)
def test_digest_params_as_the_loop_found_them(value: str) -> None:
    assert outcome(parse_digest_params, value) == outcome(digest_by_loop, value)


def test_digest_error_names_where_it_goes_wrong() -> None:
    try:
        parse_digest_params('Digest realm="x", nonce="y" uri=z')
    except RemoteProtocolError as error:
        assert error.detail == repr(' nonce="y" uri=z')  # from the end of the last good one
    else:
        raise AssertionError("no error")


def test_remembered_parses_are_new_objects_each_time() -> None:
    text = "SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKmem;rport"
    first, second = Via.parse(text), Via.parse(text)
    assert first == second and first is not second
    first.params["received"] = "10.0.0.1"
    assert "received" not in Via.parse(text).params
    addr = '"Ann" <sip:ann@example.com>;tag=1'
    one, two = NameAddr.parse(addr), NameAddr.parse(addr)
    assert one == two and one.params is not two.params
    one.params["tag"] = "2"
    assert NameAddr.parse(addr).tag == "1"
    assert parse_uri("sip:ann@example.com") == parse_uri("sip:ann@example.com")


def test_a_bad_text_stays_bad() -> None:
    for _ in range(2):
        assert Via.parse("SIP/2.0/UDP host;branch").branch is None
        with pytest.raises(RemoteProtocolError, match="out of range"):
            Via.parse("SIP/2.0/UDP host:99999")
        with pytest.raises(RemoteProtocolError):
            NameAddr.parse("<sip:a@b")


OPTIONS = (
    b"OPTIONS sip:b@example.com SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa, SIP/2.0/TCP 192.0.2.2;branch=z9hG4bKb\r\n"
    b"From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\n"
    b"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
)


def test_set_top_via_keeps_the_other_views_and_the_second_via() -> None:
    message = parse_message(OPTIONS)
    message.validate()
    caller = message.from_
    via = message.top_via
    assert message.vias[0] is via  # one parse serves both views
    via = Via(via.transport, via.host, via.port, {**via.params, "received": "198.51.100.1"})
    message.set_top_via(via)
    assert message.top_via is via
    assert message.from_ is caller  # other views survive
    assert [v.host for v in message.vias] == ["192.0.2.1", "192.0.2.2"]
    assert message.vias[0].received == "198.51.100.1"
    again = parse_message(message.to_bytes())
    assert [str(v) for v in again.vias] == [str(v) for v in message.vias]


def test_push_via_puts_ours_on_top_parsed() -> None:
    request = Request.create("OPTIONS", "sip:b@example.com", [("Max-Forwards", "70")])
    via = Via("UDP", "192.0.2.9", 5060, {"branch": "z9hG4bKours", "rport": None})
    request.push_via(via)
    assert request.top_via is via
    assert request.headers.items()[0] == (
        "Via",
        "SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKours;rport",
    )
    assert Via.parse(request.headers.items()[0][1]) == via


def test_headers_copies_are_independent() -> None:
    headers = Headers([("Via", "SIP/2.0/UDP a;branch=z9hG4bK1"), ("To", "<sip:b@x>")])
    copy = headers.copy()
    copy.add("Contact", "<sip:c@x>")
    copy.replace_at(1, "<sip:d@x>")
    assert headers.items() == [("Via", "SIP/2.0/UDP a;branch=z9hG4bK1"), ("To", "<sip:b@x>")]
    assert copy.items()[1:] == [("To", "<sip:d@x>"), ("Contact", "<sip:c@x>")]


def test_views_of_lists_are_the_callers_own() -> None:
    message = parse_message(OPTIONS)
    assert message.routes == [] and message.contacts == []
    message.routes.append(NameAddr.parse("<sip:p@x;lr>"))
    assert message.routes == []


def test_timers_hand_back_their_names_and_stay_untracked() -> None:
    timers = Timers()
    timers.arm(Timer.A, 1.0)
    timers.arm(Timer.B, 0.5)
    assert Timer.A in timers and not gc.is_tracked(timers.deadlines)
    assert timers.pop_due(2.0) is Timer.B
    assert timers.pop_due(0.9) is None
    assert timers.pop_due(1.0) is Timer.A
    assert timers.earliest() is None
