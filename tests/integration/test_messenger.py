"""Messenger and Instagram on the Django side: signed deliveries, echoes ignored, replies through
the Send API with the HUMAN_AGENT tag after 24 hours, WhatsApp's 24-hour window enforced."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacta.connectors import messenger, whatsapp
from contacta.connectors.models import Inbox
from contacta.connectors.services import inbound_process, outbox_send
from contacta.conversations.attachments import attachment_store
from contacta.conversations.models import Conversation, Message
from contacta.conversations.services import conversation_accept, message_send
from contacta.errors import ConflictError
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.testing.provider_server import ProviderServer
from tests.factories import make_world

pytestmark = pytest.mark.django_db
SECRET = "meta-app-secret"


def send_api_reply(path, body, count):
    recipient = body["recipient"] if "recipient" in body else json.loads(
        body["fields"]["recipient"])  # an upload sends its JSON fields as form fields
    return 200, {"recipient_id": recipient["id"], "message_id": f"m_OUT{count}"}


@pytest.fixture
def graph():
    server = ProviderServer(send_api_reply)
    yield server
    server.close()


@pytest.fixture
def world(graph, monkeypatch):
    w = make_world("meta", agents=1)
    for prefix in ("CONTACTA_FB", "CONTACTA_WA"):
        monkeypatch.setenv(f"{prefix}_ACCESS_TOKEN", "token")
        monkeypatch.setenv(f"{prefix}_APP_SECRET", SECRET)
    for kind, key, prefix in (("messenger", "fb-inbox", "CONTACTA_FB"),
                              ("instagram", "ig-inbox", "CONTACTA_FB"),
                              ("whatsapp", "wa2-inbox", "CONTACTA_WA")):
        w.extra[kind] = Inbox.objects.create(
            tenant=w.tenant, name=kind, kind=kind, default_queue=w.queue, public_key=key,
            credential_env=prefix, api_base_url=graph.url, provider_account_id="106540352242922")
    return w


def deliver(client, kind, key, path: Path | bytes):
    body = path if isinstance(path, bytes) else path.read_bytes()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(f"/hooks/{kind}/{key}/", body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature)


def assigned(world, kind):
    agent = world.agents[0]
    agent_state_set(world.tenant, agent, status="available")
    routing_tick(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra[kind])
    return conversation_accept(tenant=world.tenant, conversation=conv, agent=agent), agent


def test_messenger_round_trip_and_human_agent_tag(world, client, graph):
    fixtures = Path(messenger.__file__).parent / "fixtures"
    assert deliver(client, "messenger", "fb-inbox", fixtures / "page_message.json").status_code == 200
    inbound_process(world.tenant, timezone.now())
    conv, agent = assigned(world, "messenger")
    assert conv.messages.filter(direction="in").count() == 2  # the echo is not a customer message
    reply = message_send(tenant=world.tenant, conversation=conv, agent=agent,
                         body="Sí, tenemos planes desde 200 Mbps")
    outbox_send(world.tenant, timezone.now())
    path, body, _ = graph.requests[0]
    assert path == "/v21.0/me/messages"
    assert body == {"recipient": {"id": "6843212345678901"},
                    "message": {"text": "Sí, tenemos planes desde 200 Mbps"},
                    "messaging_type": "RESPONSE"}
    reply.refresh_from_db()
    assert reply.provider_id == "m_OUT1"
    # Three days later the agent can still answer, tagged as a human agent.
    Message.objects.filter(conversation=conv, direction="in").update(
        created_at=timezone.now() - timedelta(days=3))
    message_send(tenant=world.tenant, conversation=conv, agent=agent, body="¿Pudo revisarlo?")
    outbox_send(world.tenant, timezone.now())
    _, tagged, _ = graph.requests[1]
    assert (tagged["messaging_type"], tagged["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_instagram_message_joins_its_own_inbox(world, client):
    fixtures = Path(messenger.__file__).parent / "fixtures"
    deliver(client, "instagram", "ig-inbox", fixtures / "instagram_message.json")
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra["instagram"])
    assert conv.messages.get().body == "Hola! quiero cambiar mi plan 😊"
    assert conv.contact.identities.get().kind == "instagram"


def test_whatsapp_refuses_free_text_after_24_hours(world, client):
    fixtures = Path(whatsapp.__file__).parent / "fixtures"
    deliver(client, "whatsapp", "wa2-inbox", fixtures / "text.json")
    inbound_process(world.tenant, timezone.now())
    conv, agent = assigned(world, "whatsapp")
    Message.objects.filter(conversation=conv, direction="in").update(
        created_at=timezone.now() - timedelta(hours=25))
    with pytest.raises(ConflictError) as refused:
        message_send(tenant=world.tenant, conversation=conv, agent=agent, body="Hola de nuevo")
    assert "template" in refused.value.message
    assert not Message.objects.filter(conversation=conv, direction="out").exists()


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 300
FIXTURES = Path(messenger.__file__).parent / "fixtures"


def test_attachments_both_ways_and_quick_replies(world, client, graph):
    graph.files["/cdn/foto.jpg"] = JPEG
    delivery = (FIXTURES / "page_message.json").read_bytes().replace(
        b"https://scontent.example/foto.jpg", f"{graph.url}/cdn/foto.jpg".encode())
    deliver(client, "messenger", "fb-inbox", delivery)
    inbound_process(world.tenant, timezone.now())
    conv, agent = assigned(world, "messenger")
    photo = conv.messages.get(provider_id="m_IMG1")
    assert photo.attachments.get().file.read() == JPEG
    sent = attachment_store(tenant=world.tenant, conversation=conv,
                            upload=SimpleUploadedFile("cobertura.jpg", JPEG))
    message_send(tenant=world.tenant, conversation=conv, agent=agent, body="Nuestra cobertura",
                 attachment_ids=[sent.pk])
    message_send(tenant=world.tenant, conversation=conv, agent=agent, body="¿Le interesa?",
                 options=["Sí, llámenme", "No, gracias"])
    outbox_send(world.tenant, timezone.now())
    upload, caption, quick = (body for _, body, _ in graph.requests)
    fields = upload["fields"]
    assert json.loads(fields["message"]) == {"attachment": {"type": "image",
                                                            "payload": {"is_reusable": False}}}
    assert fields["filedata"] == ("cobertura.jpg", "image/jpeg", JPEG)
    assert caption["message"] == {"text": "Nuestra cobertura"}
    assert quick["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Sí, llámenme", "payload": "Sí, llámenme"},
        {"content_type": "text", "title": "No, gracias", "payload": "No, gracias"}]


def test_instagram_files_go_by_signed_link(world, client, graph, settings):
    deliver(client, "instagram", "ig-inbox", FIXTURES / "instagram_message.json")
    inbound_process(world.tenant, timezone.now())
    conv, agent = assigned(world, "instagram")
    sent = attachment_store(tenant=world.tenant, conversation=conv,
                            upload=SimpleUploadedFile("plan.jpg", JPEG))
    settings.PUBLIC_URL = ""
    refused = message_send(tenant=world.tenant, conversation=conv, agent=agent, body="",
                           attachment_ids=[sent.pk])
    outbox_send(world.tenant, timezone.now())
    refused.refresh_from_db()
    assert refused.status == "failed"
    assert "CONTACTA_PUBLIC_URL" in refused.status_reason
    settings.PUBLIC_URL = "http://testserver"
    again = attachment_store(tenant=world.tenant, conversation=conv,
                             upload=SimpleUploadedFile("plan.jpg", JPEG))
    message_send(tenant=world.tenant, conversation=conv, agent=agent, body="",
                 attachment_ids=[again.pk])
    outbox_send(world.tenant, timezone.now())
    (_, body, _), = graph.requests
    link = body["message"]["attachment"]["payload"]["url"]
    assert link.startswith("http://testserver/chat-files/")
    assert b"".join(client.get(link.removeprefix("http://testserver")).streaming_content) == JPEG
