"""WhatsApp Cloud API on the Django side: handshake, signed deliveries stored once, messages
routed, replies through the outbox to a local Graph API server, statuses back on the message."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacta.connectors import whatsapp
from contacta.connectors.models import InboundEvent, Inbox, InboxKind
from contacta.connectors.services import inbound_process, outbox_send
from contacta.contacts.models import ContactIdentity
from contacta.conversations.attachments import attachment_store
from contacta.conversations.models import Conversation, Message
from contacta.conversations.services import conversation_accept, message_send
from contacta.errors import DomainError
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.testing.provider_server import ProviderServer
from tests.factories import make_world

pytestmark = pytest.mark.django_db
FIXTURES = Path(whatsapp.__file__).parent / "fixtures"
APP_SECRET = "test-app-secret"


def graph_reply(path, body, count):
    """POST /{phone-number-id}/media and /messages as documented."""
    if path.endswith("/media"):
        return 200, {"id": f"MEDIA{count}"}
    return 200, {"messaging_product": "whatsapp",
                 "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                 "messages": [{"id": f"wamid.OUT{count}"}]}


@pytest.fixture
def graph():
    server = ProviderServer(graph_reply)
    yield server
    server.close()


@pytest.fixture
def world(graph, monkeypatch):
    w = make_world("wa", agents=1)
    monkeypatch.setenv("CONTACTA_WA_BANCO_ACCESS_TOKEN", "EAAG-test-token")
    monkeypatch.setenv("CONTACTA_WA_BANCO_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("CONTACTA_WA_BANCO_VERIFY_TOKEN", "verify-me")
    w.extra["inbox"] = Inbox.objects.create(
        tenant=w.tenant, name="WhatsApp", kind=InboxKind.WHATSAPP, default_queue=w.queue,
        public_key="wa-inbox", credential_env="CONTACTA_WA_BANCO", api_base_url=graph.url,
        provider_account_id="106540352242922")
    return w


def signed_post(client, body: bytes, signature: str | None = "auto"):
    if signature == "auto":
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {} if signature is None else {"HTTP_X_HUB_SIGNATURE_256": signature}
    return client.post("/hooks/whatsapp/wa-inbox/", body, content_type="application/json",
                       **headers)


def fixture_bytes(name):
    return (FIXTURES / f"{name}.json").read_bytes()


def customer_wrote_and_agent_took_it(world, client):
    signed_post(client, fixture_bytes("text"))
    inbound_process(world.tenant, timezone.now())
    agent = world.agents[0]
    agent_state_set(world.tenant, agent, status="available")
    routing_tick(world.tenant, timezone.now())
    conv = conversation_accept(tenant=world.tenant,
                               conversation=Conversation.objects.get(inbox=world.extra["inbox"]),
                               agent=agent)
    return conv, agent


def test_subscription_handshake(world, client):
    ok = client.get("/hooks/whatsapp/wa-inbox/", {"hub.mode": "subscribe",
                                                   "hub.verify_token": "verify-me",
                                                   "hub.challenge": "1158201444"})
    assert ok.status_code == 200
    assert ok.content == b"1158201444"
    bad = client.get("/hooks/whatsapp/wa-inbox/", {"hub.mode": "subscribe",
                                                    "hub.verify_token": "nope",
                                                    "hub.challenge": "1"})
    assert bad.status_code == 403


@pytest.mark.parametrize("signature", [None, "sha256=00", "md5=abc", "sha256="])
def test_unsigned_or_wrongly_signed_deliveries_are_refused(world, client, signature):
    assert signed_post(client, fixture_bytes("text"), signature).status_code == 401
    assert InboundEvent.objects.count() == 0


def test_a_tampered_body_fails_its_signature(world, client):
    body = fixture_bytes("text")
    good = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    tampered = body.replace(b"paz y salvo", b"paz y salvX")
    assert signed_post(client, tampered, good).status_code == 401


def test_signed_delivery_is_stored_once_and_routed(world, client):
    body = fixture_bytes("text")
    assert signed_post(client, body).status_code == 200
    assert signed_post(client, body).json()["detail"] == "duplicate"  # Meta's retry
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=world.extra["inbox"])
    assert conv.contact.name == "Camila Rojas"
    assert conv.messages.get().body == "Buenos días, necesito un paz y salvo de mi crédito"
    signed_post(client, fixture_bytes("media_and_more"))
    signed_post(client, fixture_bytes("account_update"))
    inbound_process(world.tenant, timezone.now())
    assert conv.messages.count() == 7  # six understood types, plus the first text
    agent_state_set(world.tenant, world.agents[0], status="available")
    assert routing_tick(world.tenant, timezone.now()) == 1


def test_reply_and_statuses_round_trip(world, client, graph):
    conv, agent = customer_wrote_and_agent_took_it(world, client)
    first = message_send(tenant=world.tenant, conversation=conv, agent=agent,
                         body="Con gusto, Camila. Le envío el paz y salvo por este medio.")
    second = message_send(tenant=world.tenant, conversation=conv, agent=agent, body="¿Algo más?")
    outbox_send(world.tenant, timezone.now())
    path, body, headers = graph.requests[0]
    assert path == "/v21.0/106540352242922/messages"
    assert headers["Authorization"] == "Bearer EAAG-test-token"
    assert body["to"] == "573001234567"
    assert body["text"]["body"].startswith("Con gusto, Camila")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.provider_id, second.provider_id) == ("wamid.OUT1", "wamid.OUT2")
    signed_post(client, fixture_bytes("statuses"))
    inbound_process(world.tenant, timezone.now())
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "read"
    assert (second.status, second.status_reason) == ("failed", "131047 Re-engagement message")


def test_graph_errors_are_retried_or_reported(world, client, graph):
    conv, agent = customer_wrote_and_agent_took_it(world, client)
    graph.replies = [(400, {"error": {"message": "(#131030) Recipient phone number not in "
                                                 "allowed list", "type": "OAuthException",
                                      "code": 131030, "fbtrace_id": "AbC"}})]
    reply = message_send(tenant=world.tenant, conversation=conv, agent=agent, body="Hola")
    outbox_send(world.tenant, timezone.now())
    reply.refresh_from_db()
    assert reply.status == "failed"
    assert reply.status_reason.startswith("131030")


def test_templates_sync_and_send_outside_the_window(world, client, graph, monkeypatch):
    from datetime import timedelta

    from contacta.connectors.models import MessageTemplate
    from contacta.conversations.models import Message

    monkeypatch.setenv("CONTACTA_WA_BANCO_WABA_ID", "102290129340398")
    conv, agent = customer_wrote_and_agent_took_it(world, client)
    Message.objects.filter(conversation=conv, direction="in").update(
        created_at=timezone.now() - timedelta(hours=30))
    # The Graph API lists the account's templates (GET /{waba-id}/message_templates).
    inbox = world.extra["inbox"]
    templates_page = {"data": [
        {"name": "recordatorio_pago", "language": "es", "status": "APPROVED",
         "category": "UTILITY", "components": [
             {"type": "BODY", "text": "Hola {{1}}, su cuota de {{2}} vence mañana."}]},
        {"name": "promo_borrador", "language": "es", "status": "PENDING", "category": "MARKETING",
         "components": [{"type": "BODY", "text": "Oferta"}]}], "paging": {}}
    graph.files["/v21.0/102290129340398/message_templates?limit=100"] = json.dumps(
        templates_page).encode()
    c = client
    c.force_login(world.admin)
    r = c.post(f"/api/v1/tenants/wa/inboxes/{inbox.pk}/templates/sync")
    assert r.status_code == 200, r.content
    assert r.json() == {"templates": 2}
    c.force_login(agent.user)
    options = c.get(f"/api/v1/tenants/wa/conversations/{conv.pk}/reply-options").json()
    assert options["free_text"] is False
    assert "template" in options["reason"]
    assert [t["name"] for t in options["templates"]] == ["recordatorio_pago"]
    template_id = options["templates"][0]["id"]
    bad = c.post(f"/api/v1/tenants/wa/conversations/{conv.pk}/templates",
                 json.dumps({"template_id": template_id, "variables": ["Camila"]}),
                 content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "variables"
    pending = MessageTemplate.objects.get(name="promo_borrador")
    refused = c.post(f"/api/v1/tenants/wa/conversations/{conv.pk}/templates",
                     json.dumps({"template_id": pending.pk, "variables": []}),
                     content_type="application/json")
    assert refused.status_code == 409
    ok = c.post(f"/api/v1/tenants/wa/conversations/{conv.pk}/templates",
                json.dumps({"template_id": template_id, "variables": ["Camila", "$150.000"]}),
                content_type="application/json")
    assert ok.status_code == 201
    assert ok.json()["body"] == "Hola Camila, su cuota de $150.000 vence mañana."
    outbox_send(world.tenant, timezone.now())
    _, body, _ = graph.requests[-1]
    assert body["type"] == "template"
    assert body["template"] == {"name": "recordatorio_pago", "language": {"code": "es"},
                                "components": [{"type": "body", "parameters": [
                                    {"type": "text", "text": "Camila"},
                                    {"type": "text", "text": "$150.000"}]}]}
    assert Message.objects.get(pk=ok.json()["id"]).status == "sent"


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 300
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def serve_media(graph, media_id, content, declared_size=None):
    """GET /{media-id} -> {url, mime_type, file_size}; the url serves the bytes."""
    graph.files[f"/v21.0/{media_id}"] = json.dumps({
        "messaging_product": "whatsapp", "url": f"{graph.url}/whatsapp-media/{media_id}",
        "mime_type": "image/jpeg", "sha256": "x", "id": media_id,
        "file_size": declared_size if declared_size is not None else len(content)}).encode()
    graph.files[f"/whatsapp-media/{media_id}"] = content


def test_inbound_media_is_downloaded_with_the_token(world, client, graph):
    serve_media(graph, "1036431967716111", JPEG)
    signed_post(client, fixture_bytes("media_and_more"))
    inbound_process(world.tenant, timezone.now())
    image = Message.objects.get(provider_id="wamid.IMG1")
    (attachment,) = image.attachments.all()
    assert attachment.content_type == "image/jpeg"
    assert attachment.file.read() == JPEG
    assert image.body == "Comprobante de pago"
    assert [path for path, _ in graph.fetches] == ["/v21.0/1036431967716111",
                                                    "/whatsapp-media/1036431967716111"]
    assert all(h["Authorization"] == "Bearer EAAG-test-token" for _, h in graph.fetches)
    signed_post(client, fixture_bytes("media_and_more") + b" ")  # a new delivery, same message
    inbound_process(world.tenant, timezone.now())
    assert image.attachments.count() == 1
    assert len(graph.fetches) == 2  # the file is not fetched again


@pytest.mark.parametrize("declared", [None, 50 * 1024 * 1024])
def test_oversized_or_missing_media_keeps_the_text(world, client, graph, settings, declared):
    settings.UPLOAD_MAX_BYTES = 100
    serve_media(graph, "1036431967716111", JPEG, declared_size=declared)
    signed_post(client, fixture_bytes("media_and_more"))
    inbound_process(world.tenant, timezone.now())
    image = Message.objects.get(provider_id="wamid.IMG1")
    assert image.body == "Comprobante de pago"
    assert image.attachments.count() == 0


def test_reply_with_a_file_is_uploaded_then_sent_by_id(world, client, graph):
    conv, agent = customer_wrote_and_agent_took_it(world, client)
    upload = attachment_store(tenant=world.tenant, conversation=conv,
                              upload=SimpleUploadedFile("paz-y-salvo.png", PNG))
    pdf = attachment_store(tenant=world.tenant, conversation=conv,
                           upload=SimpleUploadedFile("extracto.pdf", b"%PDF-1.4 demo"))
    reply = message_send(tenant=world.tenant, conversation=conv, agent=agent,
                         body="Su paz y salvo", attachment_ids=[upload.pk, pdf.pk])
    outbox_send(world.tenant, timezone.now())
    paths = [path for path, _, _ in graph.requests]
    assert paths == ["/v21.0/106540352242922/media", "/v21.0/106540352242922/messages"] * 2
    fields = graph.requests[0][1]["fields"]
    assert fields["messaging_product"] == "whatsapp"
    assert fields["type"] == "image/png"
    assert fields["file"] == ("paz-y-salvo.png", "image/png", PNG)
    image_send, document_send = graph.requests[1][1], graph.requests[3][1]
    assert image_send["type"] == "image"
    assert image_send["image"] == {"id": "MEDIA1", "caption": "Su paz y salvo"}
    assert document_send["document"] == {"id": "MEDIA3", "filename": "extracto.pdf"}
    reply.refresh_from_db()
    assert (reply.status, reply.provider_id) == ("sent", "wamid.OUT2")


def test_options_go_as_reply_buttons_or_a_list(world, client, graph):
    conv, agent = customer_wrote_and_agent_took_it(world, client)
    message_send(tenant=world.tenant, conversation=conv, agent=agent,
                 body="¿Desea pagar hoy?", options=["Sí", "No"])
    message_send(tenant=world.tenant, conversation=conv, agent=agent,
                 body="Elija una opción", options=[f"Opción número {n}" for n in range(1, 6)])
    outbox_send(world.tenant, timezone.now())
    buttons = graph.requests[0][1]["interactive"]
    assert buttons["type"] == "button"
    assert buttons["body"] == {"text": "¿Desea pagar hoy?"}
    assert [b["reply"]["title"] for b in buttons["action"]["buttons"]] == ["Sí", "No"]
    listed = graph.requests[1][1]["interactive"]
    assert listed["type"] == "list"
    assert [r["title"] for r in listed["action"]["sections"][0]["rows"]] == [
        f"Opción número {n}" for n in range(1, 6)]


@pytest.mark.parametrize(("options", "note", "body"), [
    ([f"o{n}" for n in range(11)], False, "Elija"),
    (["x" * 25], False, "Elija"),
    (["Sí", "sí"], False, "Elija"),
    ([""], False, "Elija"),
    (["Sí"], True, "Elija"),
    (["Sí"], False, "  "),
])
def test_bad_options_are_refused(world, client, options, note, body):
    conv, agent = customer_wrote_and_agent_took_it(world, client)
    with pytest.raises(DomainError) as refused:
        message_send(tenant=world.tenant, conversation=conv, agent=agent, body=body,
                     options=options, note=note)
    assert refused.value.field in {"options", "body"}
    assert not Message.objects.filter(conversation=conv, direction="outbound").exists()


def test_a_reply_with_no_whatsapp_address_fails_at_once_with_the_reason(world, client, graph):
    conv, agent = customer_wrote_and_agent_took_it(world, client)
    ContactIdentity.objects.filter(contact=conv.contact, kind="whatsapp").delete()
    reply = message_send(tenant=world.tenant, conversation=conv, agent=agent, body="¿Sigue ahí?")
    outbox_send(world.tenant, timezone.now())
    reply.refresh_from_db()
    assert (reply.status, reply.status_reason) == ("failed",
                                                   "the contact has no whatsapp address")
    assert graph.requests == []  # nothing went to the provider addressed to nobody
