"""SDP offer/answer on our data classes: codec choice, telephone-event, direction, hold."""

from __future__ import annotations

import pytest

from vaxel.media.g711 import PCMA, PCMU
from vaxel.media.offer_answer import (
    MediaDescription,
    OfferAnswerError,
    RtpMap,
    accept_answer,
    answer_offer,
    from_sdp,
    make_offer,
    static_format,
    to_sdp,
)
from vaxel.sip import sdp

OPUS = RtpMap(111, "opus", 48000, 2)
G722 = RtpMap(9, "G722", 8000)
DTMF = RtpMap(101, "telephone-event", 8000, fmtp="0-16")
DTMF48 = RtpMap(110, "telephone-event", 48000)


def offer(*formats: RtpMap, direction="sendrecv", host="192.0.2.5", port=4000) -> MediaDescription:
    return MediaDescription(host, port, formats, direction)


def test_the_offerers_preference_wins() -> None:
    got = answer_offer(
        offer(OPUS, G722, RtpMap(8, "PCMA", 8000), RtpMap(0, "PCMU", 8000), DTMF48, DTMF),
        "198.51.100.1",
        20000,
    )
    assert got.codec is PCMA and got.payload_type == 8
    assert got.dtmf_payload_type == 101
    assert got.local.formats == (RtpMap(8, "PCMA", 8000), DTMF)
    assert (got.local.host, got.local.port, got.local.rtcp_port) == ("198.51.100.1", 20000, 20001)
    assert (got.remote_host, got.remote_port) == ("192.0.2.5", 4000)
    assert got.send and got.receive and got.local.direction == "sendrecv"


def test_static_payload_types_without_rtpmap() -> None:
    pcmu = static_format(0)
    assert pcmu is not None
    got = answer_offer(offer(pcmu), "h", 20000)
    assert got.codec is PCMU and got.dtmf_payload_type is None


def test_no_common_codec_is_488() -> None:
    with pytest.raises(OfferAnswerError, match=r"no PCMU or PCMA audio .*111 opus/48000") as info:
        answer_offer(offer(OPUS, G722), "h", 20000)
    assert info.value.status_hint == 488


@pytest.mark.parametrize(
    ("theirs", "ours", "send", "receive"),
    [
        ("sendrecv", "sendrecv", True, True),
        ("sendonly", "recvonly", False, True),  # they put us on hold with music: we listen
        ("recvonly", "sendonly", True, False),
        ("inactive", "inactive", False, False),
    ],
)
def test_direction(theirs, ours, send: bool, receive: bool) -> None:
    got = answer_offer(offer(RtpMap(0, "PCMU", 8000), direction=theirs), "h", 20000)
    assert (got.local.direction, got.send, got.receive) == (ours, send, receive)


def test_old_style_hold_sends_nothing() -> None:
    got = answer_offer(offer(RtpMap(0, "PCMU", 8000), host="0.0.0.0"), "h", 20000)
    assert not got.send and got.receive


def test_a_rejected_stream_is_answered_with_port_zero() -> None:
    got = answer_offer(offer(RtpMap(0, "PCMU", 8000), port=0), "h", 20000)
    assert got.local.port == 0 and not got.send and not got.receive


def test_our_offer_and_its_answer() -> None:
    ours = make_offer("198.51.100.1", 20002)
    assert [f.encoding for f in ours.formats] == ["PCMU", "PCMA", "telephone-event"]
    theirs = MediaDescription("192.0.2.9", 5004, (RtpMap(8, "PCMA", 8000), DTMF), "recvonly")
    got = accept_answer(ours, theirs)
    assert got.codec is PCMA and got.dtmf_payload_type == 101
    assert got.local.direction == "sendonly" and got.send and not got.receive
    with pytest.raises(OfferAnswerError):
        accept_answer(ours, MediaDescription("192.0.2.9", 5004, (G722,)))


def test_descriptions_are_checked() -> None:
    with pytest.raises(ValueError, match="media port 70000"):
        MediaDescription("h", 70000, (DTMF,))
    with pytest.raises(ValueError, match="at least one format"):
        MediaDescription("h", 4000, ())


LINPHONE_OFFER = (
    "v=0\r\n"
    "o=anna 3456 789 IN IP4 192.0.2.44\r\n"
    "s=Talk\r\n"
    "c=IN IP4 192.0.2.44\r\n"
    "t=0 0\r\n"
    "m=audio 7078 RTP/AVP 96 97 8 0 101 13\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=rtpmap:97 speex/16000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n"
)


def test_answering_sdp_text() -> None:
    offer_sdp = sdp.SessionDescription.parse(LINPHONE_OFFER)
    remote = from_sdp(offer_sdp)
    assert remote.host == "192.0.2.44" and remote.port == 7078
    assert [f.encoding for f in remote.formats] == [
        "opus",
        "speex",
        "PCMA",
        "PCMU",
        "telephone-event",
        "CN",
    ]
    got = answer_offer(remote, "198.51.100.1", 20000)
    assert got.codec is PCMA and got.dtmf_payload_type == 101
    text = str(to_sdp(got.local, session_id="42"))
    back = sdp.SessionDescription.parse(text)
    assert back.audio_endpoint() == ("198.51.100.1", 20000)
    assert back.payload_types == [8, 101]
    assert back.audio is not None and back.audio.fmtp == {101: "0-15"}
    assert back.direction == "sendrecv"
    assert from_sdp(back) == got.local


def test_sdp_we_cannot_use() -> None:
    srtp = LINPHONE_OFFER.replace("RTP/AVP", "RTP/SAVP")
    with pytest.raises(OfferAnswerError, match="RTP/SAVP is not supported"):
        from_sdp(sdp.SessionDescription.parse(srtp))
    video_only = LINPHONE_OFFER.replace("m=audio", "m=video")
    with pytest.raises(OfferAnswerError, match="no audio stream"):
        from_sdp(sdp.SessionDescription.parse(video_only))


def test_our_offer_as_sdp_text() -> None:
    ours = make_offer("198.51.100.1", 20002)
    text = str(to_sdp(ours, session_id="7", version=3))
    assert "m=audio 20002 RTP/AVP 0 8 101\r\n" in text
    assert "a=rtpmap:101 telephone-event/8000\r\n" in text
    assert "a=fmtp:101 0-16\r\n" in text
    assert "o=vaxel 7 3 IN IP4 198.51.100.1\r\n" in text
