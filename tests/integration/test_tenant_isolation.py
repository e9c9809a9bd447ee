"""Every API endpoint, tried with another tenant's slug and another tenant's ids: 404, never data."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from contacta.connectors.models import Inbox, InboxKind
from contacta.conversations.models import Conversation
from contacta.conversations.services import conversation_start, message_receive
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.voice.models import Call
from tests.factories import make_world

pytestmark = pytest.mark.django_db

DENIED = {401, 403, 404, 405, 422}


@pytest.fixture
def two():
    a, b = make_world("alpha"), make_world("beta")
    for w in (a, b):
        agent_state_set(w.tenant, w.agents[0], status="available")
        conv = conversation_start(tenant=w.tenant, inbox=w.inbox,
                                  visitor_token=f"{w.tenant.slug}-visitor-token-0001",
                                  name=f"Secret {w.tenant.slug}")
        message_receive(tenant=w.tenant, conversation=conv, body=f"secret-{w.tenant.slug}")
        routing_tick(w.tenant, timezone.now())
        line = Inbox.objects.create(tenant=w.tenant, name="Línea", kind=InboxKind.VOICE,
                                    default_queue=w.queue, public_key=f"{w.tenant.slug}-line",
                                    provider_account_id=f"60155501{len(w.tenant.slug)}")
        w.extra["call"] = Call.objects.create(tenant=w.tenant, inbox=line, conversation=conv,
                                              caller="secret-" + w.tenant.slug)
    return a, b


def tenant_paths(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, methods in spec["paths"].items():
        if "{tenant}" not in path:
            continue
        for method in methods:
            yield path, method


def fill(path, slug, ids):
    path = path.replace("{tenant}", slug)
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), ids["default"])), path)


def call(client, method, path, **headers):
    if method in ("get", "delete"):
        return getattr(client, method)(path, **headers)
    body = json.dumps({"name": "x", "status": "available", "disposition": "solved",
                       "body": "hi", "queue_id": 1, "skill_id": 1})
    return getattr(client, method)(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize("who", ["admin", "supervisor", "agent", "viewer"])
def test_other_tenants_slug_is_404_on_every_endpoint(two, who):
    a, b = two
    client = Client()
    user = {"admin": a.admin, "supervisor": a.supervisor, "viewer": a.viewer,
            "agent": a.agents[0].user}[who]
    client.force_login(user)
    b_conv = Conversation.objects.for_tenant(b.tenant).first()
    ids = {"default": b_conv.pk, "conversation_id": b_conv.pk, "agent_id": b.agents[0].pk,
           "contact_id": b_conv.contact_id, "inbox_id": b.inbox.pk,
           "call_id": b.extra["call"].pk}
    checked = 0
    for path, method in tenant_paths(client):
        r = call(client, method, fill(path, "beta", ids))
        assert r.status_code in DENIED, (method, path, r.status_code)
        assert b"secret-beta" not in r.content
        assert b"Secret beta" not in r.content
        checked += 1
    assert checked > 40


def test_own_slug_with_other_tenants_ids_is_404(two):
    """For every resource, beta's ids that alpha does not have must be 404 under alpha's slug."""
    a, b = two
    alpha, beta = Client(), Client()
    alpha.force_login(a.admin)
    beta.force_login(b.admin)
    b_conv = Conversation.objects.for_tenant(b.tenant).first()
    checked = 0
    for path, method in tenant_paths(alpha):
        params = re.findall(r"\{(\w+)\}", path.replace("{tenant}", ""))
        if not params:
            continue
        if params == ["item_id"]:
            listing = path.split("/{item_id}")[0]
            theirs = {o["id"] for o in beta.get(fill(listing, "beta", {"default": 0})).json()}
            mine = {o["id"] for o in alpha.get(fill(listing, "alpha", {"default": 0})).json()}
            foreign = sorted(theirs - mine)
        else:
            foreign = [{"conversation_id": b_conv.pk, "agent_id": b.agents[0].pk,
                        "contact_id": b_conv.contact_id, "inbox_id": b.inbox.pk,
                        "call_id": b.extra["call"].pk}[params[0]]]
        for foreign_id in foreign:
            r = call(alpha, method, fill(path, "alpha", {"default": foreign_id}))
            assert r.status_code in DENIED, (method, path, foreign_id, r.status_code)
            assert b"secret-beta" not in r.content
            checked += 1
    assert checked > 30


def test_token_for_one_tenant_cannot_read_another_even_as_member(two):
    a, b = two
    from contacta.tenants.models import Membership, Role

    Membership.objects.create(tenant=b.tenant, user=a.admin, role=Role.TENANT_ADMIN)
    r = Client().get("/api/v1/tenants/beta/queues", HTTP_AUTHORIZATION=f"Bearer {a.token}")
    assert r.status_code == 404


def test_references_to_another_tenants_rows_are_refused(two):
    a, b = two
    c = Client()
    h = {"HTTP_AUTHORIZATION": f"Bearer {a.token}"}
    r = c.post("/api/v1/tenants/alpha/queue-skills",
               json.dumps({"queue_id": a.queue.pk, "skill_id": b.skill.pk}),
               content_type="application/json", **h)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "skill_id"
    r = c.patch(f"/api/v1/tenants/alpha/inboxes/{a.inbox.pk}",
                json.dumps({"default_queue_id": b.queue.pk}), content_type="application/json", **h)
    assert r.status_code == 400
    a_conv = Conversation.objects.for_tenant(a.tenant).first()
    r = c.post(f"/api/v1/tenants/alpha/conversations/{a_conv.pk}/transfer",
               json.dumps({"queue_id": b.queue.pk}), content_type="application/json", **h)
    assert r.status_code == 404


def test_attachment_download_is_tenant_scoped(two, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contacta.conversations.attachments import attachment_store

    a, b = two
    b_conv = Conversation.objects.for_tenant(b.tenant).first()
    att = attachment_store(tenant=b.tenant, conversation=b_conv,
                           upload=SimpleUploadedFile("x.pdf", b"%PDF-1.4 secret", "application/pdf"))
    assert f"tenants/{b.tenant.pk}/" in att.file.name
    client = Client()
    client.force_login(a.admin)
    assert client.get(f"/attachments/{att.pk}/").status_code == 404
    client.force_login(b.supervisor)
    assert client.get(f"/attachments/{att.pk}/").status_code == 200
