"""Telegram end to end on the Django side: webhook -> stored event -> conversation -> routed;
agent reply -> outbox -> a local server speaking the Bot API's documented sendMessage."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacta.connectors import telegram
from contacta.connectors.models import InboundEvent, Inbox, InboxKind
from contacta.connectors.services import inbound_process, outbox_send
from contacta.connectors.telegram.adapter import SECRET_HEADER, TelegramAdapter
from contacta.conversations.attachments import attachment_store
from contacta.conversations.models import Conversation, Message
from contacta.conversations.services import conversation_accept, message_send
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.testing.provider_server import ProviderServer
from tests.factories import make_world, taken_by_agent

pytestmark = pytest.mark.django_db
FIXTURES = Path(telegram.__file__).parent / "fixtures"


def bot_api_reply(path, body, count):
    """sendMessage's documented answer: {"ok": true, "result": Message}."""
    return 200, {"ok": True, "result": {"message_id": 9000 + count,
                                        "chat": {"id": int(body.get("chat_id", 0))},
                                        "date": 1795766800, "text": body.get("text", "")}}


@pytest.fixture
def bot_api():
    api = ProviderServer(bot_api_reply)
    yield api
    api.close()


@pytest.fixture
def world(bot_api, monkeypatch):
    w = make_world("tg", agents=1)
    monkeypatch.setenv("CONTACTA_TELEGRAM_TOKEN_TG", "123456:TEST-token")
    w.extra["inbox"] = Inbox.objects.create(
        tenant=w.tenant, name="Telegram", kind=InboxKind.TELEGRAM, default_queue=w.queue,
        public_key="tg-inbox", credential_env="CONTACTA_TELEGRAM_TOKEN_TG",
        api_base_url=bot_api.url)
    return w


def post(client, inbox, payload, secret=None, raw=None):
    headers = {} if secret is None else {"HTTP_" + SECRET_HEADER.upper().replace("-", "_"): secret}
    body = raw if raw is not None else json.dumps(payload)
    return client.post(f"/hooks/telegram/{inbox.public_key}/", body,
                       content_type="application/json", **headers)


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_signed_update_becomes_a_routed_conversation_once(world, client):
    inbox = world.extra["inbox"]
    secret = TelegramAdapter.webhook_secret(inbox)
    update = fixture("text_message")
    assert post(client, inbox, update, secret).status_code == 200
    assert post(client, inbox, update, secret).json()["detail"] == "duplicate"
    assert InboundEvent.objects.count() == 1
    inbound_process(world.tenant, timezone.now())
    inbound_process(world.tenant, timezone.now())  # processing twice changes nothing
    conv = Conversation.objects.get(inbox=inbox)
    assert conv.channel == "messaging"
    assert conv.contact.name == "Mariana Castaño"
    assert list(conv.messages.values_list("body", flat=True)) == [
        "Hola, ¿cuál es el saldo de mi cuenta? Gracias, señor"]
    agent_state_set(world.tenant, world.agents[0], status="available")
    assert routing_tick(world.tenant, timezone.now()) == 1
    # An edit and a photo join the same conversation.
    post(client, inbox, fixture("edited_message"), secret)
    post(client, inbox, fixture("photo_with_caption"), secret)
    post(client, inbox, fixture("my_chat_member"), secret)  # unknown: acknowledged, ignored
    inbound_process(world.tenant, timezone.now())
    assert Conversation.objects.filter(inbox=inbox).count() == 1
    assert conv.messages.count() == 3
    assert InboundEvent.objects.filter(processed_at__isnull=True).count() == 0


@pytest.mark.parametrize(("secret", "raw", "status"), [
    (None, None, 401), ("wrong", None, 401), ("GOOD", "{not json", 400),
    ("GOOD", json.dumps({"message": {}}), 400), ("GOOD", "x" * (1024 * 1024 + 1), 413),
    ("GOOD", "[" * 200_000 + "]" * 200_000, 400), ("GOOD", "[" * 100_000, 400),
    ("GOOD", b'{"update_id": 1, "message": "\xff\xfe"}', 400), ("GOOD", "[1, 2]", 400),
    ("GOOD", "null", 400)])
def test_bad_deliveries_are_refused_and_store_nothing(world, client, secret, raw, status):
    inbox = world.extra["inbox"]
    if secret == "GOOD":
        secret = TelegramAdapter.webhook_secret(inbox)
    r = post(client, inbox, fixture("text_message"), secret, raw=raw)
    assert r.status_code == status
    assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize("declared", ["abc", "-1", "1e9", "١٢"])
def test_a_nonsense_content_length_is_refused(world, client, declared):
    inbox = world.extra["inbox"]
    r = client.post(f"/hooks/telegram/{inbox.public_key}/", json.dumps(fixture("text_message")),
                    content_type="application/json", CONTENT_LENGTH=declared,
                    HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=TelegramAdapter.webhook_secret(inbox))
    assert r.status_code == 400
    assert InboundEvent.objects.count() == 0


def test_unknown_inbox_and_get_are_refused(world, client):
    assert client.post("/hooks/telegram/nope/", "{}", content_type="application/json").status_code == 404
    assert client.post("/hooks/fax/tg-inbox/", "{}", content_type="application/json").status_code == 404
    # Telegram has no subscription handshake: a GET is refused.
    assert client.get(f"/hooks/telegram/{world.extra['inbox'].public_key}/").status_code == 403


def test_a_malformed_stored_update_is_kept_with_its_reason(world, client):
    inbox = world.extra["inbox"]
    secret = TelegramAdapter.webhook_secret(inbox)
    post(client, inbox, {"update_id": 77, "message": {"chat": "broken"}}, secret)
    inbound_process(world.tenant, timezone.now())
    event = InboundEvent.objects.get()
    assert event.processed_at is not None
    assert event.error.startswith("malformed")


def taken(world, client):
    inbox = world.extra["inbox"]
    post(client, inbox, fixture("text_message"), TelegramAdapter.webhook_secret(inbox))
    inbound_process(world.tenant, timezone.now())
    return taken_by_agent(world, inbox)


def answered(world, client):
    conv, agent = taken(world, client)
    return message_send(tenant=world.tenant, conversation=conv, agent=agent,
                        body="Con gusto, Mariana. Su saldo es $1.250.000")


def test_reply_goes_out_through_the_outbox(world, client, bot_api):
    reply = answered(world, client)
    assert reply.status == "pending"
    outbox_send(world.tenant, timezone.now())
    path, body, _ = bot_api.requests[-1]
    assert path == "/bot123456:TEST-token/sendMessage"
    assert body == {"chat_id": "5512345678", "text": "Con gusto, Mariana. Su saldo es $1.250.000"}
    reply.refresh_from_db()
    assert (reply.status, reply.provider_id) == ("sent", "9001")
    outbox_send(world.tenant, timezone.now())
    assert len(bot_api.requests) == 1  # sent once


def test_retries_with_backoff_then_reports_the_failure(world, client, bot_api):
    reply = answered(world, client)
    bot_api.replies = [(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
                       (429, {"ok": False, "error_code": 429,
                              "description": "Too Many Requests: retry after 1"})]
    now = timezone.now()
    outbox_send(world.tenant, now)
    reply.refresh_from_db()
    assert reply.status == "pending"
    assert reply.next_attempt_at == now + timedelta(seconds=2)
    outbox_send(world.tenant, now + timedelta(seconds=1))  # not due yet
    assert len(bot_api.requests) == 1
    outbox_send(world.tenant, now + timedelta(seconds=2))
    outbox_send(world.tenant, now + timedelta(seconds=10))
    reply.refresh_from_db()
    assert reply.status == "sent"
    bot_api.replies = [(400, {"ok": False, "error_code": 400,
                              "description": "Bad Request: chat not found"})]
    second = message_send(tenant=world.tenant, conversation=reply.conversation,
                          agent=world.agents[0], body="¿Sigue ahí?")
    outbox_send(world.tenant, now + timedelta(seconds=20))
    second.refresh_from_db()
    assert second.status == "failed"
    assert "chat not found" in second.status_reason  # shown to the agent, never dropped


def test_missing_token_fails_visibly_without_leaking(world, client, monkeypatch):
    reply = answered(world, client)
    monkeypatch.delenv("CONTACTA_TELEGRAM_TOKEN_TG")
    outbox_send(world.tenant, timezone.now())
    reply.refresh_from_db()
    assert reply.status == "failed"
    assert "123456" not in reply.status_reason
    assert Message.objects.filter(status="failed").count() == 1


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def test_photos_come_in_and_go_out(world, client, bot_api):
    inbox = world.extra["inbox"]
    bot_api.replies = [(200, {"ok": True, "result": {
        "file_id": "AgACAgEAAxkBAAIBlarge", "file_unique_id": "AQADl", "file_size": len(PNG),
        "file_path": "photos/file_7.png"}})]
    bot_api.files["/file/bot123456:TEST-token/photos/file_7.png"] = PNG
    post(client, inbox, fixture("photo_with_caption"), TelegramAdapter.webhook_secret(inbox))
    inbound_process(world.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=inbox)
    message = conv.messages.get()
    assert message.body == "Foto del recibo"
    (attachment,) = message.attachments.all()
    assert attachment.content_type == "image/png"
    assert f"tenants/{world.tenant.pk}/" in attachment.file.name
    # The agent answers with the picture back: it goes as sendPhoto with the text as caption.
    agent = world.agents[0]
    agent_state_set(world.tenant, agent, status="available")
    routing_tick(world.tenant, timezone.now())
    conv = conversation_accept(tenant=world.tenant, conversation=conv, agent=agent)
    mine = attachment_store(tenant=world.tenant, conversation=conv,
                            upload=SimpleUploadedFile("recibo.png", PNG))
    reply = message_send(tenant=world.tenant, conversation=conv, agent=agent,
                         body="Su recibo sellado", attachment_ids=[mine.pk])
    outbox_send(world.tenant, timezone.now())
    path, body, _ = bot_api.requests[-1]
    assert path == "/bot123456:TEST-token/sendPhoto"
    assert b"Su recibo sellado" in body["_multipart"]
    assert PNG in body["_multipart"]
    reply.refresh_from_db()
    assert reply.status == "sent"


def test_options_become_an_inline_keyboard(world, client, bot_api):
    conv, agent = taken(world, client)
    message_send(tenant=world.tenant, conversation=conv, agent=agent,
                 body="¿Cómo prefiere pagar?", options=["PSE", "Tarjeta de crédito"])
    outbox_send(world.tenant, timezone.now())
    path, body, _ = bot_api.requests[-1]
    assert path == "/bot123456:TEST-token/sendMessage"
    assert body["reply_markup"] == {"inline_keyboard": [
        [{"text": "PSE", "callback_data": "PSE"}],
        [{"text": "Tarjeta de crédito", "callback_data": "Tarjeta de crédito"}]]}
