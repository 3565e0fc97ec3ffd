"""Header names, lists, parameters, quoted strings, and the Via / name-addr / CSeq values."""

from __future__ import annotations

import pytest

from vaxel.sip.errors import LocalProtocolError, RemoteProtocolError
from vaxel.sip.headers import (
    CSeq,
    Headers,
    NameAddr,
    Via,
    canonical_name,
    parse_params,
    quote_string,
    split_header_values,
    unquote_string,
)
from vaxel.sip.uri import AbsoluteUri, SipUri


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("i", "Call-ID"), ("m", "Contact"), ("e", "Content-Encoding"), ("l", "Content-Length"),
        ("c", "Content-Type"), ("f", "From"), ("s", "Subject"), ("k", "Supported"), ("t", "To"),
        ("v", "Via"), ("o", "Event"), ("u", "Allow-Events"), ("r", "Refer-To"),
        ("b", "Referred-By"), ("x", "Session-Expires"), ("y", "Identity"), ("V", "Via"),
        ("call-id", "Call-ID"), ("CSEQ", "CSeq"), ("www-authenticate", "WWW-Authenticate"),
        ("X-Custom", "X-Custom"),
    ],
)  # fmt: skip
def test_canonical_names_and_compact_forms(name: str, canonical: str) -> None:
    assert canonical_name(name) == canonical


def test_split_on_commas_outside_quotes_and_brackets() -> None:
    value = '"Doe, John" <sip:j@example.com;x=a,b>;q=0.5 , <sip:k@example.com>,sip:l@x.com'
    assert split_header_values(value) == [
        '"Doe, John" <sip:j@example.com;x=a,b>;q=0.5',
        "<sip:k@example.com>",
        "sip:l@x.com",
    ]
    assert split_header_values("INVITE, ACK ,BYE") == ["INVITE", "ACK", "BYE"]
    assert split_header_values('"a \\", b" <sip:x@y>') == ['"a \\", b" <sip:x@y>']
    assert split_header_values("a,,b") == ["a", "", "b"]


def test_quoted_strings_with_escapes() -> None:
    assert unquote_string('"J Rosenberg \\\\\\""') == 'J Rosenberg \\"'
    assert unquote_string('"plain"') == "plain"
    assert unquote_string("token") == "token"
    text = 'say "hi" \\o/'
    assert unquote_string(quote_string(text)) == text


def test_params_with_whitespace_and_quoted_values() -> None:
    assert parse_params(" ; tag = 98asjd8 ;lr; q=0.33") == {
        "tag": "98asjd8",
        "lr": None,
        "q": "0.33",
    }
    assert parse_params(';+sip.instance="<urn:uuid:1;2>";Expires=60') == {
        "+sip.instance": '"<urn:uuid:1;2>"',
        "expires": "60",
    }
    assert parse_params("") == {}
    for bad in (";", ";;", ";a=", "a=b", ";a b", ';a="open'):
        with pytest.raises(RemoteProtocolError):
            parse_params(bad)


def test_via_parse_and_write() -> None:
    via = Via.parse("SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKabc;rport;received=10.0.0.1")
    assert (via.transport, via.host, via.port) == ("UDP", "192.0.2.1", 5062)
    assert via.branch == "z9hG4bKabc"
    assert via.rport is True
    assert via.received == "10.0.0.1"
    assert str(via) == "SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKabc;rport;received=10.0.0.1"
    via.params["rport"] = "5070"
    assert via.rport == 5070
    assert via.sent_by() == ("192.0.2.1", 5062)


def test_via_with_lws_ipv6_and_defaults() -> None:
    via = Via.parse("SIP  /  2.0  / tcp   [2001:db8::9] ;  branch  =  z9hG4bK1")
    assert (via.transport, via.host, via.port, via.branch) == (
        "TCP",
        "[2001:db8::9]",
        None,
        "z9hG4bK1",
    )
    assert via.rport is None
    assert via.sent_by() == ("2001:db8::9", 5060)
    assert Via.parse("SIP/2.0/TLS example.com").sent_by() == ("example.com", 5061)


@pytest.mark.parametrize(
    "value",
    ["", "SIP/2.0/UDP", "SIP/2.0 UDP host", "SIP/2.0/UDP host:99999", "SIP/2.0/UDP host;;",
     "SIP/2.0/UDP host;branch=", "SIP/2.0/UDP host junk", "SIP/2.0/UDP 192.0.2.15;;,;,,"],
)  # fmt: skip
def test_bad_vias(value: str) -> None:
    with pytest.raises(RemoteProtocolError, match="Bad Via header"):
        Via.parse(value)


def test_name_addr_forms() -> None:
    a = NameAddr.parse('"Anna \\"A\\" Andersson" <sip:anna@example.com;transport=tcp>;tag=x1')
    assert a.display == 'Anna "A" Andersson'
    assert isinstance(a.uri, SipUri) and a.uri.param("transport") == "tcp"
    assert a.tag == "x1"
    assert str(a) == '"Anna \\"A\\" Andersson" <sip:anna@example.com;transport=tcp>;tag=x1'

    b = NameAddr.parse("sip:+19725552222@gw1.example.net;unknownparam")
    assert b.display is None
    assert isinstance(b.uri, SipUri) and b.uri.params == ()
    assert b.params == {"unknownparam": None}

    c = NameAddr.parse("Anna Andersson<sip:anna@example.com>")
    assert c.display == "Anna Andersson"

    d = NameAddr.parse("<tel:+468123>;expires=3600;q=0.7")
    assert isinstance(d.uri, AbsoluteUri)
    assert (d.expires, d.q) == (3600, 0.7)
    assert NameAddr.parse("<sip:a@b>;expires=99999999999999").expires == 2**32 - 1
    assert NameAddr.parse("<sip:a@b>;q=2").q is None

    tagged = a.with_tag("other")
    assert tagged.tag == "other" and a.tag == "x1"


@pytest.mark.parametrize(
    "value",
    [
        '"Mr. J. User <sip:j.user@example.com>',  # unbalanced quote
        "< sip:t.watson@example.org >",  # whitespace inside <>
        "Bell, Alexander <sip:a.g.bell@example.com>",  # comma in an unquoted display name
        "sip:user@example.com?Route=%3Csip:sip.example.com%3E",  # ? outside <>
        "<sip:user@example.com",
        '"Joe" <sip:joe@example.org>;;;;',
        '"Joe" sip:joe@example.org',
        "",
    ],
)
def test_bad_name_addrs(value: str) -> None:
    with pytest.raises(RemoteProtocolError):
        NameAddr.parse(value)


def test_cseq() -> None:
    assert CSeq.parse("0009 \t INVITE") == CSeq(9, "INVITE")
    assert str(CSeq(4711, "BYE")) == "4711 BYE"
    assert CSeq.parse(f"{2**31 - 1} ACK").seq == 2**31 - 1
    for bad in (f"{2**31} INVITE", "36893488147419103232 REGISTER", "1", "x INVITE",
                "1 INV ITE", "-1 BYE", "1 BYE,", "²1 BYE"):  # fmt: skip
        with pytest.raises(RemoteProtocolError, match="Bad CSeq header"):
            CSeq.parse(bad)


def test_headers_multidict() -> None:
    h = Headers([("v", "SIP/2.0/UDP a;branch=z9hG4bK1"), ("Contact", "<sip:a@b>, <sip:c@d>")])
    h.add("VIA", "SIP/2.0/UDP b;branch=z9hG4bK2")
    h.add("WWW-Authenticate", 'Digest realm="r", nonce="n", qop="auth"')
    assert "via" in h and "Via" in h and "v" in h
    assert h.get("Via") == "SIP/2.0/UDP a;branch=z9hG4bK1"
    assert h.get("m") == "<sip:a@b>, <sip:c@d>"
    assert h.get_all("Contact") == ["<sip:a@b>", "<sip:c@d>"]
    assert h.get_all("WWW-Authenticate") == ['Digest realm="r", nonce="n", qop="auth"']
    assert h.count("Via") == 2
    assert [name for name, _ in h.items()] == ["Via", "Contact", "Via", "WWW-Authenticate"]

    h.prepend("Via", "SIP/2.0/UDP top;branch=z9hG4bK0")
    assert h.values("Via")[0].startswith("SIP/2.0/UDP top")
    h.set("Via", "SIP/2.0/UDP only")
    assert h.values("Via") == ["SIP/2.0/UDP only"]
    assert h.items()[0] == ("Via", "SIP/2.0/UDP only")  # kept in the first one's place
    h.remove("via")
    assert "Via" not in h and h.get("Via") is None
    with pytest.raises(LocalProtocolError):
        h.add("Subject", "two\r\nlines")
    with pytest.raises(LocalProtocolError):
        h.add("Bad Name", "x")


def test_unquoted_non_ascii_display_name_is_tolerated() -> None:
    assert NameAddr.parse("Åsa Öberg <sip:asa@example.se>").display == "Åsa Öberg"
