"""Agents' softphones register their SIP accounts (digest authentication) and their calls ring
where they registered; wrong passwords, unknown users and garbage get nowhere."""

from __future__ import annotations

import asyncio
import socket

import pytest
from asgiref.sync import sync_to_async

from contacta.testing.phone import Phone, free_udp_port
from contacta.voice.models import AgentPhone, Call
from contacta.voice.runner import start_registrar
from tests.integration.test_voice import DID, until, voice_running, world_with_phones

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio,
              pytest.mark.xdist_group("voice")]


class Account:
    """An agent with a SIP account instead of a fixed address."""

    uri = ""


def with_account(password: str = "clave-segura-1"):
    w = world_with_phones([Account()], flow={"welcome": "Hola."})
    phone = AgentPhone.objects.get(agent=w.agents[0])
    phone.sip_uri, phone.sip_user = "", "agente1"
    phone.set_password(password)
    phone.save()
    return w


def exchange(port: int, datagram: bytes) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(datagram, ("127.0.0.1", port))
        try:
            return sock.recvfrom(4096)[0]
        except TimeoutError:
            return b""


REGISTER = (b"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK1\r\n"
            b"From: <sip:agente1@127.0.0.1>;tag=1\r\nTo: <sip:agente1@127.0.0.1>\r\n"
            b"Call-ID: abc@127.0.0.1\r\nCSeq: 1 REGISTER\r\nContact: <sip:agente1@127.0.0.1:5999>"
            b"\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n")


async def test_a_registered_softphone_takes_the_call(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    w = await sync_to_async(with_account)()
    port = free_udp_port()
    registrar = await start_registrar("127.0.0.1", port)
    softphone = Phone("agente1", answer_after=0.3,
                      register=(f"127.0.0.1:{port}", "agente1", "clave-segura-1"))
    customer = Phone("cliente", answer_after=None)
    try:
        registered = await asyncio.to_thread(softphone.wait, "registration", 10)
        assert registered["code"] == 200
        phone = await sync_to_async(AgentPhone.objects.get)(agent=w.agents[0])
        assert phone.registered_contact.endswith(f":{softphone.port}") or str(
            softphone.port) in phone.registered_contact
        async with voice_running(w.tenant) as engine:
            customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            await until(lambda: Call.objects.filter(status="connected").exists(), timeout=30)
        assert softphone.count("call_started") == 1
    finally:
        softphone.close()
        customer.close()
        registrar.close()


async def test_wrong_password_unknown_user_and_garbage(settings, tmp_path):
    await sync_to_async(with_account)()
    port = free_udp_port()
    registrar = await start_registrar("127.0.0.1", port)
    impostor = Phone("agente1", answer_after=0.3,
                     register=(f"127.0.0.1:{port}", "agente1", "adivinanza"))
    stranger = Phone("nadie", answer_after=0.3,
                     register=(f"127.0.0.1:{port}", "nadie", "clave-segura-1"))
    try:
        assert (await asyncio.to_thread(impostor.wait, "registration", 10))["code"] == 403
        assert (await asyncio.to_thread(stranger.wait, "registration", 10))["code"] == 403
        phone = await sync_to_async(AgentPhone.objects.get)(sip_user="agente1")
        assert phone.registered_contact == ""
        challenge = await asyncio.to_thread(exchange, port, REGISTER)
        assert challenge.startswith(b"SIP/2.0 401")
        assert b'WWW-Authenticate: Digest realm="contacta"' in challenge
        forged = REGISTER.replace(b"Expires: 600", b'Authorization: Digest username="agente1", '
                                  b'realm="contacta", nonce="1.forged", uri="sip:127.0.0.1", '
                                  b'response="00000000000000000000000000000000"\r\nExpires: 600')
        assert (await asyncio.to_thread(exchange, port, forged)).startswith(b"SIP/2.0 403")
        for garbage in (b"\x00\xff" * 50, b"HELLO", REGISTER.replace(b"SIP/2.0\r\n", b"HTTP/1.1\r\n", 1),
                        b"REGISTER sip:x SIP/2.0\r\nVia: a\r\n\r\n", b"A" * 9000):
            assert await asyncio.to_thread(exchange, port, garbage) == b""  # dropped
        invite = REGISTER.replace(b"REGISTER sip", b"INVITE sip", 1)
        assert (await asyncio.to_thread(exchange, port, invite)).startswith(b"SIP/2.0 405")
    finally:
        impostor.close()
        stranger.close()
        registrar.close()
