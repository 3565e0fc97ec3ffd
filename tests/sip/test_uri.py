"""SIP URIs: parsing, writing, and the comparison rules of RFC 3261 §19.1.4."""

from __future__ import annotations

import pytest

from vaxel.sip.errors import RemoteProtocolError
from vaxel.sip.uri import AbsoluteUri, SipUri, parse_uri


def test_parse_all_parts() -> None:
    uri = SipUri.parse("sips:alice:secret@Atlanta.example.com:5071;transport=tcp;lr?subject=hi&x=1")
    assert uri.scheme == "sips"
    assert (uri.user, uri.password) == ("alice", "secret")
    assert (uri.host, uri.port) == ("Atlanta.example.com", 5071)
    assert uri.params == (("transport", "tcp"), ("lr", None))
    assert uri.headers == (("subject", "hi"), ("x", "1"))
    assert uri.param("TRANSPORT") == "tcp"
    assert uri.param("lr") == ""
    assert uri.param("maddr") is None
    assert uri.transport == "tcp"


def test_round_trip() -> None:
    for text in (
        "sip:alice@example.com",
        "sip:example.com",
        "sip:+46701234567@192.0.2.1:5060;user=phone",
        "sips:bob@[2001:db8::1]:5061;transport=tls",
        "sip:user;par=u%40example.net@example.com",
        "sip:alice@example.com?Route=%3Csip:example.com%3E",
    ):
        assert str(SipUri.parse(text)) == text


def test_user_is_unescaped_and_escaped_again_when_written() -> None:
    uri = SipUri.parse("sip:sips%3Auser%40example.com@example.net")
    assert uri.user == "sips:user@example.com"
    assert str(uri) == "sip:sips%3Auser%40example.com@example.net"
    assert SipUri.parse("sip:%61lice@example.com").user == "alice"
    assert SipUri.parse("sip:I%20have%20spaces@example.net").user == "I have spaces"
    assert SipUri.parse("sip:null-%00-null@example.com").user == "null-\x00-null"
    built = SipUri("sip", "anna andersson", None, "example.com")
    assert str(built) == "sip:anna%20andersson@example.com"


def test_ipv6_reference_and_host_port() -> None:
    uri = SipUri.parse("sip:[::1]:5070")
    assert uri.host == "[::1]"
    assert uri.host_port() == ("::1", 5070)
    assert SipUri.parse("sip:example.com").host_port() == ("example.com", 5060)
    assert SipUri.parse("sips:example.com").host_port() == ("example.com", 5061)


def test_scheme_is_case_insensitive() -> None:
    assert SipUri.parse("SIP:alice@example.com").scheme == "sip"


@pytest.mark.parametrize(
    "text",
    [
        "sip:",
        "sip:alice@",
        "sip:alice@exa mple.com",
        "sip:alice@example.com:99999",
        "sip:alice@example.com:port",
        "sip:alice@[::1",
        "sip:alice@[zz::1]",
        "<sip:alice@example.com>",
        " sip:alice@example.com",
        "sip:alice@example.com;",
        "sip:alice@example.com?",
        "sip:al%zzice@example.com",
        "sip:alice@example.com;lr ",
    ],
)
def test_bad_uris_raise_remote_protocol_error(text: str) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_uri(text)


def test_other_schemes_are_absolute_uris() -> None:
    tel = parse_uri("tel:+46-8-123456")
    assert tel == AbsoluteUri("tel", "+46-8-123456")
    assert str(tel) == "tel:+46-8-123456"
    assert isinstance(parse_uri("urn:service:sos"), AbsoluteUri)
    assert isinstance(parse_uri("http://www.example.com"), AbsoluteUri)
    assert parse_uri("soap.beep://192.0.2.103:3002").scheme == "soap.beep"
    with pytest.raises(RemoteProtocolError):
        parse_uri("nocolon")
    with pytest.raises(RemoteProtocolError):
        parse_uri("tel:")


def test_with_and_without_params() -> None:
    uri = SipUri.parse("sip:bob@example.com;transport=udp")
    changed = uri.with_params(transport="tcp", lr=None)
    assert str(changed) == "sip:bob@example.com;transport=tcp;lr"
    assert str(changed.without_params("LR")) == "sip:bob@example.com;transport=tcp"
    assert str(uri) == "sip:bob@example.com;transport=udp"  # frozen: the original stays
    assert str(uri.with_params(("ob", None))) == "sip:bob@example.com;transport=udp;ob"


# RFC 3261 §19.1.4: these pairs are equivalent ...
EQUIVALENT = [
    ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
    ("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"),
    (
        "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
        "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
    ),
    (
        "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
        "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
    ),
]

# ... and these are not.
NOT_EQUIVALENT = [
    ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),
    ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
    ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"),
    ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
]


@pytest.mark.parametrize(("a", "b"), EQUIVALENT)
def test_rfc3261_equivalent_uris(a: str, b: str) -> None:
    assert SipUri.parse(a).equivalent(SipUri.parse(b))
    assert SipUri.parse(b).equivalent(SipUri.parse(a))


@pytest.mark.parametrize(("a", "b"), NOT_EQUIVALENT)
def test_rfc3261_not_equivalent_uris(a: str, b: str) -> None:
    assert not SipUri.parse(a).equivalent(SipUri.parse(b))
    assert not SipUri.parse(b).equivalent(SipUri.parse(a))


def test_sip_and_absolute_uris_never_equivalent() -> None:
    sip = SipUri.parse("sip:alice@example.com")
    tel = parse_uri("tel:+4681234")
    assert not sip.equivalent(tel)
    assert not tel.equivalent(sip)
    assert tel.equivalent(parse_uri("TEL:+4681234"))


def test_ipv6_hosts_compare_by_address() -> None:
    assert SipUri.parse("sip:[2001:db8::1]").equivalent(SipUri.parse("sip:[2001:DB8:0::1]"))


def test_a_dialled_hash_is_taken_unescaped_and_written_escaped() -> None:
    """Softphones send a typed "#" as it is (sip:*23*1*1300#@h); RFC 3261 wants %23."""
    uri = parse_uri("sip:*23*1*1300#@vaxel.example;transport=udp")
    assert isinstance(uri, SipUri) and uri.user == "*23*1*1300#"
    assert str(uri) == "sip:*23*1*1300%23@vaxel.example;transport=udp"
    assert uri.equivalent(parse_uri("sip:*23*1*1300%23@vaxel.example;transport=udp"))
