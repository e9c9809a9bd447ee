"""Widening, sticky agents, queue limits, overflow and closed hours through the Django shell."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from contacta.conversations.models import Conversation, Message, Status
from contacta.conversations.services import (
    conversation_accept,
    conversation_close,
    conversation_start,
)
from contacta.routing.models import AgentSkill, BusinessHours, Queue, QueueSkill
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from tests.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world("feat", agents=2)


def start(w, n=0, **kw):
    return conversation_start(tenant=w.tenant, inbox=w.inbox,
                              visitor_token=f"feature-visitor-{n:08}", **kw)


def kinds(conv):
    return list(conv.segments.values_list("kind", flat=True))


def test_widening_lets_a_less_skilled_agent_take_it_after_waiting(world):
    QueueSkill.objects.filter(queue=world.queue).update(min_proficiency=5)
    Queue.objects.filter(pk=world.queue.pk).update(widening=[{"after_s": 30, "min_proficiency": 2}])
    agent_state_set(world.tenant, world.agents[0], status="available")  # proficiency 3
    conv = start(world)
    now = timezone.now()
    assert routing_tick(world.tenant, now) == 0
    assert routing_tick(world.tenant, now + timedelta(seconds=31)) == 1
    conv.refresh_from_db()
    assert conv.offered_to == world.agents[0]


def test_widening_overflow_and_max_wait_move_or_close(world):
    Queue.objects.filter(pk=world.queue.pk).update(
        widening=[{"after_s": 60, "overflow_queue_id": world.other_queue.pk}])
    Queue.objects.filter(pk=world.other_queue.pk).update(
        max_wait_seconds=120, overflow_action="callback")
    conv = start(world)
    now = timezone.now()
    routing_tick(world.tenant, now + timedelta(seconds=61))
    conv.refresh_from_db()
    assert conv.queue == world.other_queue
    assert conv.status == Status.QUEUED
    assert kinds(conv)[-2:] == ["overflowed", "enqueued"]
    routing_tick(world.tenant, now + timedelta(seconds=61 + 121))
    conv.refresh_from_db()
    assert conv.status == Status.CLOSED
    assert "contactaremos" in conv.messages.filter(direction="system").last().body


def test_max_waiting_overflows_new_arrivals_with_the_queue_message(world):
    Queue.objects.filter(pk=world.queue.pk).update(
        max_waiting=1, overflow_action="message", overflow_message="Cola llena, escríbanos luego")
    first, second = start(world, 1), start(world, 2)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.QUEUED
    assert second.status == Status.CLOSED
    assert Message.objects.filter(conversation=second, body="Cola llena, escríbanos luego").exists()
    assert kinds(second) == ["enqueued", "overflowed"]


def test_closed_hours_send_to_the_closed_action_queue(world):
    never = BusinessHours.objects.create(tenant=world.tenant, name="never", weekly={})
    Queue.objects.filter(pk=world.queue.pk).update(
        business_hours=never, closed_action="queue", closed_queue=world.other_queue)
    conv = start(world)
    conv.refresh_from_db()
    assert conv.queue == world.other_queue
    assert conv.segments.filter(kind="overflowed", detail__startswith="closed").exists()


def test_returning_customer_waits_for_their_last_agent_then_the_queue(world):
    Queue.objects.filter(pk=world.queue.pk).update(sticky_seconds=60, wrap_up_seconds=0)
    a1, a2 = world.agents
    agent_state_set(world.tenant, a1, status="available")
    first = start(world, email="fiel@example.org")
    routing_tick(world.tenant, timezone.now())
    first = conversation_accept(tenant=world.tenant, conversation=Conversation.objects.get(
        pk=first.pk), agent=a1)
    conversation_close(tenant=world.tenant, conversation=first, agent=a1,
                       disposition_code="solved")
    agent_state_set(world.tenant, a1, status="aux", reason="break")
    agent_state_set(world.tenant, a2, status="available")
    again = start(world, 9, email="fiel@example.org")
    again.refresh_from_db()
    assert again.preferred_agent == a1
    now = timezone.now()
    assert routing_tick(world.tenant, now) == 0  # waiting for agent 1
    agent_state_set(world.tenant, a1, status="available")
    assert routing_tick(world.tenant, now + timedelta(seconds=5)) == 1
    again.refresh_from_db()
    assert again.offered_to == a1
    # Another returning customer whose agent stays away goes to the queue after the window.
    agent_state_set(world.tenant, a1, status="offline")
    later = start(world, 10, email="fiel@example.org")
    assert routing_tick(world.tenant, timezone.now() + timedelta(seconds=61)) == 1
    later.refresh_from_db()
    assert later.offered_to == a2


def test_chat_capacity_zero_means_no_chats(world):
    AgentSkill.objects.filter(agent=world.agents[1]).delete()
    world.agents[0].chat_capacity = 0
    world.agents[0].save()
    agent_state_set(world.tenant, world.agents[0], status="available")
    start(world)
    assert routing_tick(world.tenant, timezone.now()) == 0


def test_queue_routing_options_through_the_api(world):
    c = Client()
    h = {"HTTP_AUTHORIZATION": f"Bearer {world.token}"}
    body = {"name": "VIP", "widening": [{"after_s": 30, "min_proficiency": 2},
                                        {"after_s": 90, "overflow_queue_id": world.queue.pk}],
            "max_waiting": 10, "max_wait_seconds": 300, "overflow_action": "callback",
            "sticky_seconds": 120}
    r = c.post("/api/v1/tenants/feat/queues", json.dumps(body), content_type="application/json", **h)
    assert r.status_code == 201, r.content
    assert r.json()["widening"][1]["overflow_queue_id"] == world.queue.pk
    bad = {"name": "Bad", "widening": [{"after_s": 60, "min_proficiency": 9}]}
    r = c.post("/api/v1/tenants/feat/queues", json.dumps(bad), content_type="application/json", **h)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "widening"
    other = make_world("otherfeat")
    cross = {"name": "Cross", "widening": [{"after_s": 60, "overflow_queue_id": other.queue.pk}]}
    r = c.post("/api/v1/tenants/feat/queues", json.dumps(cross), content_type="application/json",
               **h)
    assert r.status_code == 400
    r = c.post("/api/v1/tenants/feat/queues", json.dumps({"name": "Q", "overflow_action": "queue"}),
               content_type="application/json", **h)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "overflow_queue"


def test_account_owner_is_offered_first(world):
    Queue.objects.filter(pk=world.queue.pk).update(sticky_seconds=60)
    a1, a2 = world.agents
    for a in (a1, a2):
        agent_state_set(world.tenant, a, status="available")
    conv = start(world, email="deudor@example.org")
    contact = conv.contact
    c = Client()
    c.force_login(world.supervisor)
    r = c.patch(f"/api/v1/tenants/feat/contacts/{contact.pk}",
                json.dumps({"owner_agent_id": a2.pk}), content_type="application/json")
    assert r.status_code == 200
    assert r.json()["owner_agent_id"] == a2.pk
    other = make_world("feat2")
    r = c.patch(f"/api/v1/tenants/feat/contacts/{contact.pk}",
                json.dumps({"owner_agent_id": other.agents[0].pk}),
                content_type="application/json")
    assert r.status_code == 404
    Conversation.objects.filter(pk=conv.pk).update(status=Status.CLOSED)
    again = start(world, 5, email="deudor@example.org")
    again.refresh_from_db()
    assert again.preferred_agent == a2
    routing_tick(world.tenant, timezone.now())
    again.refresh_from_db()
    assert again.offered_to == a2
