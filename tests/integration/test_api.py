"""The REST API: configuration, conversations, errors that name fields, and roles."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from contacta.conversations.services import conversation_start, message_receive
from contacta.routing.models import Queue
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def world():
    return make_world("acme")


def post(client, path, data, **kw):
    return client.post(path, json.dumps(data), content_type="application/json", **kw)


def test_openapi_is_published(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Contacta API"
    assert "/api/v1/tenants/{tenant}/queues" in spec["paths"]


def test_token_admin_manages_queues_and_errors_name_the_field(world):
    c = Client()
    base = "/api/v1/tenants/acme/queues"
    r = post(c, base, {"name": "VIP", "priority": 9, "sla_target_seconds": 10}, **bearer(world.token))
    assert r.status_code == 201, r.content
    qid = r.json()["id"]
    assert Queue.objects.get(pk=qid).tenant == world.tenant
    r = post(c, base, {"name": "Bad", "priority": 11}, **bearer(world.token))
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "priority"
    r = post(c, base, {"priority": 3}, **bearer(world.token))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "name"
    r = post(c, base, {"name": "VIP"}, **bearer(world.token))
    assert r.status_code == 400  # duplicate name in the tenant
    r = c.patch(f"{base}/{qid}", json.dumps({"auto_accept": True}), content_type="application/json",
                **bearer(world.token))
    assert r.status_code == 200
    assert r.json()["auto_accept"] is True
    r = c.delete(f"{base}/{qid}", **bearer(world.token))
    assert r.status_code == 204
    r = c.post(base, "{not json", content_type="application/json", **bearer(world.token))
    assert 400 <= r.status_code < 500


def test_business_hours_validation(world):
    c = Client()
    r = post(c, "/api/v1/tenants/acme/business-hours",
             {"name": "x", "weekly": {"mon": [["18:00", "08:00"]]}}, **bearer(world.token))
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "weekly"
    r = post(c, "/api/v1/tenants/acme/business-hours",
             {"name": "x", "time_zone": "Mars/Base"}, **bearer(world.token))
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "time_zone"


def test_roles_agent_and_viewer_cannot_manage(world, client):
    client.force_login(world.agents[0].user)
    r = post(client, "/api/v1/tenants/acme/skills", {"name": "x"})
    assert r.status_code == 404
    assert client.get("/api/v1/tenants/acme/skills").status_code == 200
    client.force_login(world.viewer)
    assert post(client, "/api/v1/tenants/acme/skills", {"name": "x"}).status_code == 404
    assert client.get("/api/v1/tenants/acme/live").status_code == 200
    client.force_login(world.agents[0].user)
    assert client.get("/api/v1/tenants/acme/live").status_code == 404


def test_session_api_enforces_csrf(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.admin)
    r = post(c, "/api/v1/tenants/acme/skills", {"name": "x"})
    assert r.status_code in (401, 403)


def test_agent_desktop_flow_over_the_api(world, client):
    agent = world.agents[0]
    agent_state_set(world.tenant, world.agents[1], status="offline")
    client.force_login(agent.user)
    r = client.put("/api/v1/tenants/acme/agents/me/state", json.dumps({"status": "available"}),
                   content_type="application/json")
    assert r.status_code == 200
    assert r.json()["status"] == "available"
    conv = conversation_start(tenant=world.tenant, inbox=world.inbox,
                              visitor_token="visitor-token-api-000")
    routing_tick(world.tenant, timezone.now())
    me = client.get("/api/v1/tenants/acme/agents/me").json()
    assert [c["id"] for c in me["conversations"]] == [conv.pk]
    base = f"/api/v1/tenants/acme/conversations/{conv.pk}"
    assert client.post(base + "/accept").status_code == 200
    r = post(client, base + "/messages", {"body": "Hola", "client_id": "k1"})
    assert r.status_code == 201
    r2 = post(client, base + "/messages", {"body": "Hola", "client_id": "k1"})
    assert r2.json()["id"] == r.json()["id"]
    r = post(client, base + "/messages", {"body": "x" * 5000})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "body"
    msgs = client.get(base + "/messages").json()
    assert [m["body"] for m in msgs if m["direction"] == "out"] == ["Hola"]
    found = client.get("/api/v1/tenants/acme/conversations", {"q": "Hola"}).json()
    assert [c["id"] for c in found] == [conv.pk]
    r = post(client, base + "/close", {"disposition": "escalated"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "note"
    r = post(client, base + "/close", {"disposition": "solved"})
    assert r.status_code == 200
    assert r.json()["status"] == "closed"
    assert client.get(base).json()["disposition"] == "solved"


def test_supervisor_forces_state_and_sees_live_view(world, client):
    client.force_login(world.supervisor)
    r = client.put(f"/api/v1/tenants/acme/agents/{world.agents[0].pk}/state",
                   json.dumps({"status": "aux", "reason": "break"}), content_type="application/json")
    assert r.status_code == 200
    assert r.json()["reason"] == "break"
    live = client.get("/api/v1/tenants/acme/live").json()
    states = {a["agent_id"]: a["status"] for a in live["agents"]}
    assert states[world.agents[0].pk] == "aux"


def test_webchat_public_endpoints(world, client, settings):
    r = client.get("/api/v1/webchat/acme-key")
    assert r.status_code == 200
    assert r.json()["topics"] == ["Sales"]
    assert client.get("/api/v1/webchat/nope").status_code == 404
    r = post(client, "/api/v1/webchat/acme-key/conversations", {"name": "Eva", "topic": "Sales"})
    assert r.status_code == 201
    token = r.json()["visitor_token"]
    r = post(client, "/api/v1/webchat/acme-key/conversations", {"topic": "Nope"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "topic"
    r = post(client, "/api/v1/webchat/acme-key/conversations", {"email": "not-an-email"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "email"
    r = post(client, "/api/v1/webchat/acme-key/conversations", {"name": "x" * 300})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "name"
    msgs = client.get("/api/v1/webchat/acme-key/messages", HTTP_X_VISITOR_TOKEN=token)
    assert msgs.status_code == 200
    assert client.get("/api/v1/webchat/acme-key/messages",
                      HTTP_X_VISITOR_TOKEN="wrong-token-1234567").status_code == 404


def test_webchat_rate_limit(world, client, settings):
    settings.PUBLIC_RATE_LIMIT_PER_MINUTE = 5
    codes = [client.get("/api/v1/webchat/acme-key").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429, 429]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_uploads_are_sniffed_and_limited(world, client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    token = post(client, "/api/v1/webchat/acme-key/conversations", {}).json()["visitor_token"]
    url = "/api/v1/webchat/acme-key/attachments"
    ok = client.post(url, {"file": SimpleUploadedFile("foto.png", PNG, "image/png")},
                     HTTP_X_VISITOR_TOKEN=token)
    assert ok.status_code == 201
    assert ok.json()["content_type"] == "image/png"
    fake = client.post(url, {"file": SimpleUploadedFile("x.png", b"<script>", "image/png")},
                       HTTP_X_VISITOR_TOKEN=token)
    assert fake.status_code == 400
    assert fake.json()["errors"][0]["field"] == "file"
    settings.UPLOAD_MAX_BYTES = 10
    big = client.post(url, {"file": SimpleUploadedFile("b.png", PNG, "image/png")},
                      HTTP_X_VISITOR_TOKEN=token)
    assert big.status_code == 400
    download = client.get(ok.json()["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert client.get("/chat-files/forged-signature/").status_code == 404


def test_tenant_admin_creates_users_with_roles(world):
    c = Client()
    h = bearer(world.token)
    r = post(c, "/api/v1/tenants/acme/users",
             {"username": "nueva.agente", "password": "una-clave-segura-77", "first_name": "Nueva",
              "role": "agent"}, **h)
    assert r.status_code == 201, r.content
    assert r.json()["role"] == "agent"
    assert Client().login(username="nueva.agente", password="una-clave-segura-77")
    r = post(c, "/api/v1/tenants/acme/users", {"username": "nueva.agente", "password": "x" * 12}, **h)
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "username"
    r = post(c, "/api/v1/tenants/acme/users", {"username": "weak", "password": "12345678"}, **h)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "password"
    r = post(c, "/api/v1/tenants/acme/users", {"username": "bad role", "password": "x" * 12}, **h)
    assert r.status_code == 422
    r = post(c, "/api/v1/tenants/acme/users",
             {"username": "boss", "password": "una-clave-segura-77", "role": "emperor"}, **h)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "role"
    names = [u["username"] for u in c.get("/api/v1/tenants/acme/users", **h).json()]
    assert "nueva.agente" in names
    assert "acme-agent1" in names


def test_auto_accept_queue_assigns_without_a_click(world):
    Queue.objects.filter(pk=world.queue.pk).update(auto_accept=True)
    agent_state_set(world.tenant, world.agents[0], status="available")
    conv = conversation_start(tenant=world.tenant, inbox=world.inbox,
                              visitor_token="visitor-token-auto-01")
    routing_tick(world.tenant, timezone.now())
    conv.refresh_from_db()
    assert conv.status == "assigned"
    assert conv.assignee == world.agents[0]
    kinds = list(conv.segments.values_list("kind", "detail"))
    assert kinds[-1] == ("accepted", "auto")


@pytest.mark.parametrize("chats", [2, 8])
def test_hot_pages_keep_a_query_budget(world, client, django_assert_max_num_queries, chats):
    """The live view and the conversation list cost the same with 2 or 8 conversations."""
    for a in world.agents:
        agent_state_set(world.tenant, a, status="available")
    for i in range(chats):
        conv = conversation_start(tenant=world.tenant, inbox=world.inbox,
                                  visitor_token=f"visitor-token-budget-{i:03}")
        message_receive(tenant=world.tenant, conversation=conv, body="hola")
    routing_tick(world.tenant, timezone.now())
    client.force_login(world.supervisor)
    with django_assert_max_num_queries(14):
        assert client.get("/api/v1/tenants/acme/live").status_code == 200
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/tenants/acme/conversations").json()) == chats
    conv_id = client.get("/api/v1/tenants/acme/conversations").json()[0]["id"]
    with django_assert_max_num_queries(12):
        client.get(f"/api/v1/tenants/acme/conversations/{conv_id}/messages")
