"""RFC 4475 messages sent to the running server get the answer the RFC describes (§3.2–3.4,
and the §3.1.1 messages whose method is unknown).

Their Via headers name documentation addresses (192.0.2.x): vaxel answers to the real source
of the datagram (RFC 3581), so they are sent as they are.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from switchkit import Switch

pytestmark = pytest.mark.interop

DATA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "rfc4475"

# status expected (None: no answer at all), and a header the answer must carry
EXPECTED: dict[str, tuple[int | None, str | None]] = {
    "intmeth": (501, "Allow"),  # §3.1.1.2 a method of unusual characters, unknown to us
    "esc02": (501, "Allow"),  # §3.1.1.5 RE%47IST%45R is not REGISTER: "reject ... with a 501"
    "insuf": (400, None),  # §3.3.1 missing Call-ID, From, To
    "unkscm": (416, None),  # §3.3.2 unknown Request-URI scheme
    "novelsc": (416, None),  # §3.3.3 a novel scheme
    "unksm2": (400, None),  # §3.3.4 REGISTER whose To has an unknown scheme
    "bext01": (420, "Unsupported"),  # §3.3.5 Require of unknown extensions
    "invut": (415, "Accept"),  # §3.3.6 INVITE with a body type we do not take
    "regaut01": (401, "WWW-Authenticate"),  # §3.3.7 credentials for another realm
    "multi01": (400, None),  # §3.3.8 several values in single-valued headers
    "mcl01": (400, None),  # §3.3.9 several Content-Length headers
    "bcast": (None, None),  # §3.3.10 a response with a broadcast Via: dropped
    # §3.3.11 Max-Forwards 0 on an OPTIONS we answer ourselves: "An endpoint should process
    # the request as if the Max-Forwards field value were still positive" (483 is a proxy's,
    # and ours for an INVITE, which we carry on to the callee).
    "zeromf": (200, "Allow"),
    "cparam01": (401, "WWW-Authenticate"),  # §3.3.12-13 contact parameters: authenticate first
    "cparam02": (401, "WWW-Authenticate"),
    "regescrt": (401, "WWW-Authenticate"),  # §3.3.14 escaped headers in a Contact
    "sdp01": (407, "Proxy-Authenticate"),  # §3.3.15 Accept without SDP: no body in our answer
    "badbranch": (200, None),  # §3.2.1 a branch that is only the magic cookie
    "inv2543": (407, "Proxy-Authenticate"),  # §3.4.1 an RFC 2543 INVITE is still served
}


def exchange(data: bytes, port: int, timeout: float = 1.0) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(timeout)
        sock.sendto(data, ("127.0.0.1", port))
        try:
            return sock.recv(65535)
        except TimeoutError:
            return None


def test_rfc4475_answers(switch: Switch) -> None:
    assert DATA.is_dir(), f"{DATA} is missing: shared/ must lie beside the checkout"
    port = switch.server.port
    wrong: list[str] = []
    for name, (status, header) in EXPECTED.items():
        data = (DATA / f"{name}.dat").read_bytes()
        # Some share a branch and sent-by (cparam01/02): a fresh branch keeps each its own
        # transaction instead of a retransmission of the one before.
        data = data.replace(b"branch=z9hG4bK", f"branch=z9hG4bK{name}.".encode(), 1)
        answer = exchange(data, port, timeout=0.5 if status is None else 2.0)
        if status is None:
            if answer is not None:
                wrong.append(f"{name}: expected no answer, got {answer[:40]!r}")
            continue
        if answer is None:
            wrong.append(f"{name}: no answer, expected {status}")
            continue
        first = answer.split(b"\r\n", 1)[0].decode(errors="replace")
        if not first.startswith(f"SIP/2.0 {status} "):
            wrong.append(f"{name}: got {first!r}, expected {status}")
        elif header is not None and f"\r\n{header}:".encode() not in answer:
            wrong.append(f"{name}: {status} without {header}")
    assert not wrong, "\n".join(wrong)
    # And the server still serves.
    assert switch.server.options().startswith(b"SIP/2.0 200")
