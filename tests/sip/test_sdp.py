"""SDP: parse, inspect and write the offers that phones and SIPp send."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.sdp import Connection, RtpMap, SessionDescription

BARESIP_OFFER = (
    b"v=0\r\n"
    b"o=- 3859430567 3859430567 IN IP4 192.0.2.20\r\n"
    b"s=-\r\n"
    b"c=IN IP4 192.0.2.20\r\n"
    b"t=0 0\r\n"
    b"a=tool:baresip 3.10.1\r\n"
    b"m=audio 10370 RTP/AVP 96 9 0 8 101\r\n"
    b"b=AS:128\r\n"
    b"a=rtpmap:96 opus/48000/2\r\n"
    b"a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
    b"a=rtpmap:9 G722/8000\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
    b"a=rtpmap:8 PCMA/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
    b"a=fmtp:101 0-15\r\n"
    b"a=rtcp:10371\r\n"
    b"a=sendrecv\r\n"
    b"a=label:1\r\n"
    b"a=ssrc:1391407622 cname:b3b3d1a2\r\n"
    b"a=rtcp-mux\r\n"
    b"a=ptime:20\r\n"
)

SIPP_OFFER = (
    b"v=0\r\n"
    b"o=user1 53655765 2353687637 IN IP6 2001:db8::5\r\n"
    b"s=-\r\n"
    b"t=0 0\r\n"
    b"a=sendonly\r\n"
    b"m=audio 6000 RTP/AVP 0\r\n"
    b"c=IN IP6 2001:db8::5\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
    b"m=video 0 RTP/AVP 31\r\n"
)


def test_baresip_offer() -> None:
    sdp = SessionDescription.parse(BARESIP_OFFER)
    assert sdp.origin.sess_version == 3859430567
    assert sdp.audio_endpoint() == ("192.0.2.20", 10370)
    assert sdp.direction == "sendrecv"
    assert sdp.payload_types == [96, 9, 0, 8, 101]
    audio = sdp.audio
    assert audio is not None
    assert audio.rtpmaps[96] == RtpMap(96, "opus", 48000, 2)
    assert audio.fmtp == {96: "stereo=1;sprop-stereo=1", 101: "0-15"}
    assert (audio.ptime, audio.rtcp_port) == (20, 10371)
    assert audio.attribute("rtcp-mux") == ""
    assert [c.encoding for c in sdp.codecs()] == ["opus", "G722", "PCMU", "PCMA", "telephone-event"]


def test_round_trip() -> None:
    for offer in (BARESIP_OFFER, SIPP_OFFER):
        assert SessionDescription.parse(offer).to_bytes() == offer


def test_sipp_offer_session_direction_media_connection_and_static_types() -> None:
    sdp = SessionDescription.parse(SIPP_OFFER)
    assert sdp.connection is None
    assert sdp.audio_endpoint() == ("2001:db8::5", 6000)
    assert sdp.direction == "sendonly"  # inherited from the session level
    assert sdp.codecs() == [RtpMap(0, "PCMU", 8000)]
    video = sdp.media[1]
    assert video.port == 0 and video.payload_types == [31]


def test_with_direction_and_next_version() -> None:
    sdp = SessionDescription.parse(SIPP_OFFER)
    held = sdp.with_direction("inactive")
    assert held.direction == "inactive"
    assert ("sendonly", None) not in held.attributes
    assert sdp.direction == "sendonly"  # the original is untouched
    assert held.next_version().origin.sess_version == sdp.origin.sess_version + 1
    with pytest.raises(ValueError):
        sdp.with_direction("sideways")


def test_for_audio_builds_an_answer() -> None:
    answer = SessionDescription.for_audio(
        "192.0.2.10",
        40000,
        [RtpMap(8, "PCMA", 8000), RtpMap(101, "telephone-event", 8000)],
        session_id="42",
        fmtp={101: "0-16"},
    )
    text = answer.to_bytes()
    assert text.startswith(
        b"v=0\r\no=vaxel 42 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n"
    )
    assert b"m=audio 40000 RTP/AVP 8 101\r\n" in text
    assert b"a=fmtp:101 0-16\r\n" in text
    again = SessionDescription.parse(text)
    assert again.audio_endpoint() == ("192.0.2.10", 40000)
    assert again.direction == "sendrecv"
    assert SessionDescription.for_audio("::1", 1, [], session_id="1").connection == Connection(
        "::1", "IP6"
    )


def test_hold_by_zero_address_and_refused_stream() -> None:
    old_hold = SIPP_OFFER.replace(b"c=IN IP6 2001:db8::5", b"c=IN IP4 0.0.0.0")
    assert SessionDescription.parse(old_hold).audio_endpoint() == ("0.0.0.0", 6000)
    refused = SIPP_OFFER.replace(b"m=audio 6000", b"m=audio 0")
    assert SessionDescription.parse(refused).audio_endpoint() is None


def test_lf_line_endings_are_accepted() -> None:
    sdp = SessionDescription.parse(BARESIP_OFFER.replace(b"\r\n", b"\n").decode())
    assert sdp.audio_endpoint() == ("192.0.2.20", 10370)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"v=1\r\n",
        b"v=0\r\ns=-\r\n",  # no o=
        b"v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 4000 RTP/AVP 0\r\n",  # no c= anywhere
        b"v=0\r\no=- x 1 IN IP4 h\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4 h\r\nm=audio 70000 RTP/AVP 0\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4 h\r\nm=audio\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nt=now\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\ngarbage\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nv=0\r\n",
        b"v=0\r\n\xff\r\n",
    ],
)
def test_bad_descriptions(body: bytes) -> None:
    with pytest.raises(RemoteProtocolError, match="Bad SDP"):
        SessionDescription.parse(body)


def test_bad_rtpmap_is_reported_on_use() -> None:
    body = SIPP_OFFER.replace(b"a=rtpmap:0 PCMU/8000", b"a=rtpmap:0 PCMU")
    sdp = SessionDescription.parse(body)
    with pytest.raises(RemoteProtocolError):
        sdp.codecs()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bodies_fail_only_as_bad_sdp(data: bytes) -> None:
    body = BARESIP_OFFER[: len(data) % len(BARESIP_OFFER)] + data
    try:
        sdp = SessionDescription.parse(body)
    except RemoteProtocolError:
        return
    sdp.audio_endpoint()
    sdp.direction  # noqa: B018
    with contextlib.suppress(RemoteProtocolError):
        sdp.codecs()
    SessionDescription.parse(sdp.to_bytes())
