"""SMS through a Twilio-compatible aggregator: signed form webhooks stored once, the reply sent
through the outbox to a local server speaking the Messages API, statuses back."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacta.connectors import sms
from contacta.connectors.models import InboundEvent, Inbox, InboxKind
from contacta.connectors.services import inbound_process, outbox_send
from contacta.connectors.sms.twilio_inbound import decode_form, signature
from contacta.conversations.attachments import attachment_store
from contacta.conversations.models import Conversation
from contacta.conversations.services import conversation_accept, message_send
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.testing.provider_server import ProviderServer
from tests.factories import make_world, taken_by_agent

pytestmark = pytest.mark.django_db
FIXTURES = Path(sms.__file__).parent / "fixtures"
URL = "http://testserver/hooks/sms/sms-inbox/"


def messages_api(path, body, count):
    return 201, {"sid": f"SMOUT{count}", "status": "queued", "to": body["To"]}


@pytest.fixture
def aggregator():
    server = ProviderServer(messages_api)
    yield server
    server.close()


@pytest.fixture
def world(aggregator, monkeypatch):
    w = make_world("sms", agents=1)
    monkeypatch.setenv("CONTACTA_SMS_ACCOUNT_SID", "AC123")
    monkeypatch.setenv("CONTACTA_SMS_AUTH_TOKEN", "auth-token")
    w.extra["inbox"] = Inbox.objects.create(
        tenant=w.tenant, name="SMS", kind=InboxKind.SMS, default_queue=w.queue,
        public_key="sms-inbox", credential_env="CONTACTA_SMS", api_base_url=aggregator.url,
        provider_account_id="+573009998877")
    return w


def post(client, name, token="auth-token", tamper=False):
    raw = (FIXTURES / f"{name}.form").read_bytes()
    sig = signature(token, URL, decode_form(raw))
    if tamper:
        raw = raw.replace(b"Hola", b"Hols")
    return client.post("/hooks/sms/sms-inbox/", raw,
                       content_type="application/x-www-form-urlencoded",
                       HTTP_X_TWILIO_SIGNATURE=sig)


def test_signed_sms_round_trip(world, client, aggregator):
    assert post(client, "incoming").status_code == 200
    assert post(client, "incoming").json()["detail"] == "duplicate"
    assert post(client, "incoming", token="wrong").status_code == 401
    assert post(client, "incoming", tamper=True).status_code == 401
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra["inbox"])
    assert conv.contact.phone == "+573001234567"
    assert conv.messages.get().body == "Hola, ¿puedo pagar mañana?"
    agent = world.agents[0]
    agent_state_set(world.tenant, agent, status="available")
    routing_tick(world.tenant, timezone.now())
    conv = conversation_accept(tenant=world.tenant, conversation=conv, agent=agent)
    reply = message_send(tenant=world.tenant, conversation=conv, agent=agent,
                         body="Sí, puede pagar mañana hasta las 6 p. m.")
    outbox_send(world.tenant, timezone.now())
    path, body, headers = aggregator.requests[0]
    assert path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert body == {"To": "+573001234567", "From": "+573009998877",
                    "Body": "Sí, puede pagar mañana hasta las 6 p. m."}
    assert headers["Authorization"].startswith("Basic ")
    reply.refresh_from_db()
    assert (reply.status, reply.provider_id) == ("sent", "SMOUT1")


def test_status_callback_marks_the_message(world, client):
    post(client, "incoming")
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra["inbox"])
    ours = conv.messages.create(tenant=world.tenant, direction="out", body="x", status="sent",
                                provider_id="SMaaaa")
    assert post(client, "status_undelivered").status_code == 200
    assert InboundEvent.objects.count() == 2
    inbound_process(world.tenant, timezone.now())
    ours.refresh_from_db()
    assert (ours.status, ours.status_reason) == ("failed", "30003 Unreachable destination handset")


def test_unsigned_and_malformed_are_refused(world, client):
    raw = (FIXTURES / "incoming.form").read_bytes()
    assert client.post("/hooks/sms/sms-inbox/", raw,
                       content_type="application/x-www-form-urlencoded").status_code == 401
    sig = signature("auth-token", URL, {})
    assert client.post("/hooks/sms/sms-inbox/", b"\xff\xfe", content_type="text/plain",
                       HTTP_X_TWILIO_SIGNATURE=sig).status_code == 401
    assert InboundEvent.objects.count() == 0


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 300
MEDIA_PATH = "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/" \
    "MM2a0e8ae6ade43cb3c0ce4525424e4777/Media/ME5f1c2d"


def test_mms_media_both_ways(world, client, aggregator, settings):
    aggregator.files[MEDIA_PATH] = JPEG
    raw = (FIXTURES / "incoming_mms.form").read_bytes().replace(
        b"https%3A%2F%2Fapi.twilio.com", aggregator.url.replace(":", "%3A").replace(
            "/", "%2F").encode())
    sig = signature("auth-token", URL, decode_form(raw))
    assert client.post("/hooks/sms/sms-inbox/", raw,
                       content_type="application/x-www-form-urlencoded",
                       HTTP_X_TWILIO_SIGNATURE=sig).status_code == 200
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra["inbox"])
    message = conv.messages.get()
    assert (message.body, message.attachments.get().file.read()) == ("Foto del recibo", JPEG)
    (path, headers), = aggregator.fetches
    assert path == MEDIA_PATH
    assert headers["Authorization"].startswith("Basic ")  # media read with the account's key
    conv, agent = taken_by_agent(world, world.extra["inbox"])
    settings.PUBLIC_URL = "https://contacta.example.com"
    sent = attachment_store(tenant=world.tenant, conversation=conv,
                            upload=SimpleUploadedFile("recibo.jpg", JPEG))
    message_send(tenant=world.tenant, conversation=conv, agent=agent, body="Recibido",
                 attachment_ids=[sent.pk])
    outbox_send(world.tenant, timezone.now())
    (_, body, _), = aggregator.requests
    assert body["Body"] == "Recibido"
    assert body["MediaUrl"].startswith("https://contacta.example.com/chat-files/")


def test_options_on_a_channel_without_buttons_are_a_numbered_list(world, client, aggregator):
    post(client, "incoming")
    inbound_process(world.tenant, timezone.now())
    conv, agent = taken_by_agent(world, world.extra["inbox"])
    message_send(tenant=world.tenant, conversation=conv, agent=agent, body="Responda con:",
                 options=["Pagar hoy", "Acordar fecha"])
    outbox_send(world.tenant, timezone.now())
    (_, body, _), = aggregator.requests
    assert body["Body"] == "Responda con:\n\n1. Pagar hoy\n2. Acordar fecha"
