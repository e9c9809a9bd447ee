"""Hostile REGISTER requests against the registrar's handler (no sockets: a transport that
keeps what is sent). Whatever the headers hold — non-ASCII digits in a nonce or Expires,
quotes, huge or empty values — a parsed request gets exactly one SIP response and the
handler never raises; only a correct digest binds."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contacta.voice.registrar import REALM, Registrar, ha1, parse

SECRET = ha1("agente1", REALM, "clave-segura-1")
TEXT = st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
               max_size=40) | st.sampled_from(["١٢٣.abc", "²", "00", "*", '"', "Digest ", ""])


class Sent:
    def __init__(self) -> None:
        self.datagrams: list[bytes] = []

    def sendto(self, data: bytes, addr: Any) -> None:
        self.datagrams.append(data)


def registrar_keeping(bound: list[tuple[str, str, int]]) -> Registrar:
    async def lookup(user: str) -> str | None:
        return SECRET if user == "agente1" else None

    async def bind(user: str, contact: str, expires: int) -> None:
        bound.append((user, contact, expires))

    return Registrar(lookup, bind, secret=b"k" * 16)


def handled(datagram: bytes) -> tuple[list[bytes], list[tuple[str, str, int]]]:
    bound: list[tuple[str, str, int]] = []
    registrar = registrar_keeping(bound)
    sent = Sent()
    registrar.connection_made(sent)  # type: ignore[arg-type]
    request = parse(datagram)
    if request is not None:
        asyncio.run(registrar.handle(request, ("127.0.0.1", 5099)))
    return sent.datagrams, bound


@settings(max_examples=300, deadline=None)
@given(user=st.just("agente1") | TEXT, nonce=TEXT, response=TEXT, expires=TEXT, contact=TEXT,
       qop=TEXT)
def test_any_register_gets_one_answer_and_binds_nothing_without_the_password(
        *, user: str, nonce: str, response: str, expires: str, contact: str, qop: str) -> None:
    datagram = (
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK1\r\n"
        "From: <sip:agente1@127.0.0.1>;tag=1\r\nTo: <sip:agente1@127.0.0.1>\r\n"
        "Call-ID: fuzz\r\nCSeq: 2 REGISTER\r\n"
        f"Contact: {contact}\r\nExpires: {expires}\r\n"
        f'Authorization: Digest username="{user}", realm="contacta", nonce="{nonce}", '
        f'uri="sip:127.0.0.1", response="{response}", qop={qop or "auth"}, nc=00000001, '
        'cnonce="x"\r\nContent-Length: 0\r\n\r\n').encode()
    datagrams, bound = handled(datagram)
    if parse(datagram) is None:
        assert datagrams == []
        return
    assert len(datagrams) == 1
    assert datagrams[0].startswith(b"SIP/2.0 ")
    assert bound == []  # no valid digest was ever sent


def test_the_right_digest_binds_with_the_expiry_clamped() -> None:
    import hashlib

    nonce = registrar_keeping([]).nonce()  # the same key as the one that checks it
    ha2 = hashlib.md5(b"REGISTER:sip:127.0.0.1").hexdigest()  # noqa: S324 - RFC 2617
    answer = hashlib.md5(f"{SECRET}:{nonce}:00000001:x:auth:{ha2}".encode()).hexdigest()  # noqa: S324
    datagram = (
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK1\r\n"
        "From: <sip:agente1@127.0.0.1>;tag=1\r\nTo: <sip:agente1@127.0.0.1>\r\n"
        "Call-ID: ok\r\nCSeq: 2 REGISTER\r\nContact: <sip:agente1@127.0.0.1:5099>\r\n"
        "Expires: 99999\r\n"
        f'Authorization: Digest username="agente1", realm="contacta", nonce="{nonce}", '
        f'uri="sip:127.0.0.1", response="{answer}", qop=auth, nc=00000001, cnonce="x"\r\n'
        "Content-Length: 0\r\n\r\n").encode()
    datagrams, bound = handled(datagram)
    assert datagrams[0].startswith(b"SIP/2.0 200 OK")
    assert bound == [("agente1", "sip:agente1@127.0.0.1:5099", 3600)]
