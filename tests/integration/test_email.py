"""E-mail over real SMTP on loopback: our receiver stores mail, the worker threads it into
conversations, replies go out through an SMTP server with In-Reply-To and References, bounces
mark the original failed and auto-replies are never answered."""

from __future__ import annotations

import smtplib
import socket
import ssl
import subprocess
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacta.connectors import email as email_connector
from contacta.connectors.email.smtpd import InboxHandler
from contacta.connectors.models import InboundEvent, Inbox, InboxKind
from contacta.connectors.services import inbound_process, outbox_send
from contacta.conversations.attachments import attachment_store
from contacta.conversations.models import Conversation, Message
from contacta.conversations.services import conversation_accept, message_send
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.testing.mail import Sink
from tests.factories import make_world

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURES = Path(email_connector.__file__).parent / "fixtures"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_servers():
    sink = Sink()
    out_port, in_port = free_port(), free_port()
    outgoing = Controller(sink, hostname="127.0.0.1", port=out_port)
    incoming = Controller(InboxHandler(), hostname="127.0.0.1", port=in_port)
    outgoing.start()
    incoming.start()
    yield sink, out_port, in_port
    outgoing.stop()
    incoming.stop()


@pytest.fixture
def world(smtp_servers, monkeypatch):
    _, out_port, _ = smtp_servers
    w = make_world("mail", agents=1)
    monkeypatch.setenv("CONTACTA_MAIL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CONTACTA_MAIL_SMTP_PORT", str(out_port))
    w.extra["inbox"] = Inbox.objects.create(
        tenant=w.tenant, name="Soporte", kind=InboxKind.EMAIL, default_queue=w.queue,
        public_key="mail-inbox", credential_env="CONTACTA_MAIL",
        provider_account_id="soporte@banco.example")
    return w


def deliver(port: int, raw: bytes, to: str = "soporte@banco.example") -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sendmail("cliente@example.org", [to], raw)


def test_mail_to_reply_round_trip_with_threading(world, smtp_servers):
    sink, _, in_port = smtp_servers
    deliver(in_port, (FIXTURES / "utf8_multipart.eml").read_bytes())
    deliver(in_port, (FIXTURES / "utf8_multipart.eml").read_bytes())  # resent: stored once
    assert InboundEvent.objects.count() == 1
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra["inbox"])
    assert (conv.channel, conv.topic) == ("email", "¿Cuándo llega mi tarjeta?")
    assert conv.messages.get().body == "Buenos días, ¿cuándo llega mi tarjeta? Soy María Peña."
    agent = world.agents[0]
    agent_state_set(world.tenant, agent, status="available")
    routing_tick(world.tenant, timezone.now())
    conv = conversation_accept(tenant=world.tenant, conversation=conv, agent=agent)
    reply = message_send(tenant=world.tenant, conversation=conv, agent=agent,
                         body="Hola María, su tarjeta llega mañana a la oficina de Chapinero.")
    outbox_send(world.tenant, timezone.now())
    sent = message_from_bytes(sink.messages[-1], policy=policy.default)
    assert sent["To"] == "maria.pena@example.org"
    assert sent["Subject"] == "Re: ¿Cuándo llega mi tarjeta?"
    assert sent["In-Reply-To"] == "<CAF1234.ñ@mail.example.org>"
    assert sent.get_body(("plain",)).get_content().strip().endswith("Chapinero.")
    reply.refresh_from_db()
    assert reply.status == "sent"
    assert reply.provider_id == sent["Message-ID"]
    # The customer answers our reply: same conversation, thanks to In-Reply-To.
    answer = (f"From: Maria <maria.pena@example.org>\r\nTo: soporte@banco.example\r\n"
              f"Subject: Re: tarjeta\r\nMessage-ID: <answer-2@example.org>\r\n"
              f"In-Reply-To: {sent['Message-ID']}\r\nContent-Type: text/plain; charset=UTF-8\r\n"
              f"\r\nPerfecto, gracias.\r\n").encode()
    deliver(in_port, answer)
    inbound_process(world.tenant, timezone.now())
    assert Conversation.objects.filter(inbox=world.extra["inbox"]).count() == 1
    assert conv.messages.filter(direction="in").count() == 2


def test_bounce_marks_the_original_failed_and_auto_replies_are_ignored(world, smtp_servers):
    _, _, in_port = smtp_servers
    deliver(in_port, (FIXTURES / "latin1_reply.eml").read_bytes())
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra["inbox"])
    ours = Message.objects.create(tenant=world.tenant, conversation=conv, direction="out",
                                  body="Su solicitud", status="sent",
                                  provider_id="<ct-9@banco.example>")
    deliver(in_port, (FIXTURES / "bounce.eml").read_bytes())
    deliver(in_port, (FIXTURES / "auto_reply.eml").read_bytes())
    inbound_process(world.tenant, timezone.now())
    ours.refresh_from_db()
    assert ours.status == "failed"
    assert "bounced" in ours.status_reason
    assert Message.objects.filter(direction="in").count() == 1  # neither became a message
    assert not Message.objects.filter(direction="out").exclude(pk=ours.pk).exists()


def test_mail_for_unknown_addresses_and_garbage_is_dropped_quietly(world, smtp_servers):
    _, _, in_port = smtp_servers
    deliver(in_port, (FIXTURES / "cp1252.eml").read_bytes(), to="nadie@banco.example")
    deliver(in_port, b"this is not an e-mail")
    assert InboundEvent.objects.count() == 0


def test_smtp_refusal_is_permanent_and_shown(world, smtp_servers, monkeypatch):
    _, _, in_port = smtp_servers
    deliver(in_port, (FIXTURES / "cp1252.eml").read_bytes())
    inbound_process(world.tenant, timezone.now())
    agent = world.agents[0]
    agent_state_set(world.tenant, agent, status="available")
    routing_tick(world.tenant, timezone.now())
    conv = conversation_accept(tenant=world.tenant, agent=agent,
                               conversation=Conversation.objects.get(inbox=world.extra["inbox"]))
    monkeypatch.setenv("CONTACTA_MAIL_SMTP_PORT", "1")  # nothing listens there
    reply = message_send(tenant=world.tenant, conversation=conv, agent=agent, body="Hola")
    outbox_send(world.tenant, timezone.now())
    reply.refresh_from_db()
    assert reply.status == "pending"  # a connection failure is retried later
    assert reply.status_reason.startswith("smtp:")


@pytest.fixture
def tls_files(tmp_path):
    """A throwaway certificate for 127.0.0.1 (the relay's), made with Debian's openssl."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return key, cert


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_replies_through_an_authenticated_tls_relay(world, smtp_servers, monkeypatch, tls_files,
                                                    security):
    from aiosmtpd.smtp import AuthResult

    _, _, in_port = smtp_servers
    key, cert = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        # handled=False: aiosmtpd answers a refusal with 535 itself (its default, True, means
        # the authenticator already replied, and the client would wait forever).
        return AuthResult(success=auth_data.login == b"relay-user"
                          and auth_data.password == b"relay-pass", handled=False)

    sink = Sink()
    port = free_port()
    # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; implicit TLS is TLS anyway.
    options = ({"tls_context": context, "require_starttls": True, "auth_require_tls": True}
               if security == "starttls" else {"ssl_context": context, "auth_require_tls": False})
    relay = Controller(sink, hostname="127.0.0.1", port=port, authenticator=authenticator,
                       **options)
    relay.start()
    try:
        for name, value in (("SMTP_PORT", str(port)), ("SMTP_SECURITY", security),
                            ("SMTP_USER", "relay-user"), ("SMTP_PASSWORD", "relay-pass"),
                            ("SMTP_CA_FILE", str(cert))):
            monkeypatch.setenv(f"CONTACTA_MAIL_{name}", value)
        deliver(in_port, (FIXTURES / "cp1252.eml").read_bytes())
        inbound_process(world.tenant, timezone.now())
        agent = world.agents[0]
        agent_state_set(world.tenant, agent, status="available")
        routing_tick(world.tenant, timezone.now())
        conv = conversation_accept(tenant=world.tenant, agent=agent,
                                   conversation=Conversation.objects.get(
                                       inbox=world.extra["inbox"]))
        reply = message_send(tenant=world.tenant, conversation=conv, agent=agent,
                             body="Adjuntamos la cotización.")
        outbox_send(world.tenant, timezone.now())
        reply.refresh_from_db()
        assert reply.status == "sent", reply.status_reason
        assert logins[0] == (b"relay-user", b"relay-pass")
        assert b"Adjuntamos la cotizaci" in sink.messages[-1]
        # A wrong password is refused with 535 (permanent): shown, not retried.
        monkeypatch.setenv("CONTACTA_MAIL_SMTP_PASSWORD", "wrong")
        refused = message_send(tenant=world.tenant, conversation=conv, agent=agent,
                               body="Segundo intento")
        outbox_send(world.tenant, timezone.now())
        refused.refresh_from_db()
        assert (refused.status, refused.status_reason[:3]) == ("failed", "535"), refused.status_reason
        assert len(sink.messages) == 1
    finally:
        relay.stop()


PDF = b"%PDF-1.4\n% extracto\n"


def test_attachments_both_ways(world, smtp_servers):
    sink, _, in_port = smtp_servers
    mail = EmailMessage()
    mail["From"] = "Andrés Peña <andres@example.org>"
    mail["To"] = "soporte@banco.example"
    mail["Subject"] = "Extracto con error"
    mail["Message-ID"] = "<extracto-1@example.org>"
    mail.set_content("Adjunto el extracto, el cobro de noviembre está duplicado.")
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="extracto ñ.pdf")
    mail.add_attachment(b"MZ\x90\x00not-allowed", maintype="application",
                        subtype="octet-stream", filename="virus.exe")
    deliver(in_port, mail.as_bytes())
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra["inbox"])
    message = conv.messages.get()
    (kept,) = message.attachments.all()  # the executable is refused, the text and PDF kept
    assert (kept.name, kept.content_type, kept.file.read()) == (
        "extracto ñ.pdf", "application/pdf", PDF)
    assert message.body.startswith("Adjunto el extracto")
    agent = world.agents[0]
    agent_state_set(world.tenant, agent, status="available")
    routing_tick(world.tenant, timezone.now())
    conv = conversation_accept(tenant=world.tenant, conversation=conv, agent=agent)
    corrected = attachment_store(tenant=world.tenant, conversation=conv,
                                 upload=SimpleUploadedFile("extracto-corregido.pdf", PDF))
    message_send(tenant=world.tenant, conversation=conv, agent=agent,
                 body="Le enviamos el extracto corregido.", attachment_ids=[corrected.pk])
    outbox_send(world.tenant, timezone.now())
    (raw,) = sink.messages
    sent = message_from_bytes(raw, policy=policy.default)
    assert sent.get_body(("plain",)).get_content().strip() == "Le enviamos el extracto corregido."
    (part,) = sent.iter_attachments()
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == (
        "extracto-corregido.pdf", "application/pdf", PDF)
    assert sent["In-Reply-To"] == "<extracto-1@example.org>"
