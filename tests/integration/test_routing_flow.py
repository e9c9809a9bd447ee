"""A chat's whole life through the services and the routing worker, on the real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contacta.contacts.models import Contact
from contacta.conversations.models import Message, RoutingSegment, Status
from contacta.conversations.services import (
    conversation_abandon,
    conversation_accept,
    conversation_close,
    conversation_reject,
    conversation_start,
    conversation_transfer,
    message_receive,
    message_send,
)
from contacta.errors import DomainError, ForbiddenError, NotFoundError
from contacta.routing.models import AgentProfile, AgentStateLog
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from tests.factories import make_world

pytestmark = pytest.mark.django_db

TOKEN = "visitor-token-0123456789"


def kinds(conv):
    return list(RoutingSegment.objects.filter(conversation=conv).values_list("kind", flat=True))


def refresh(obj):
    obj.refresh_from_db()
    return obj


@pytest.fixture
def world():
    w = make_world("acme", agents=2, offer_timeout=30, wrap_up=15)
    for a in w.agents:
        agent_state_set(w.tenant, a, status="available")
    return w


def test_offer_accept_reply_close_wrap_up(world):
    t = world.tenant
    conv = conversation_start(tenant=t, inbox=world.inbox, visitor_token=TOKEN, name="Ana",
                              email="ana@example.org")
    assert conv.status == Status.QUEUED
    assert conv.queue == world.queue
    now = timezone.now()
    assert routing_tick(t, now) == 1
    conv = refresh(conv)
    assert conv.status == Status.OFFERED
    assert conv.offered_to in world.agents
    agent = conv.offered_to
    conv = conversation_accept(tenant=t, conversation=conv, agent=agent)
    first = message_receive(tenant=t, conversation=conv, body="Hola ñandú", client_id="c1")
    again = message_receive(tenant=t, conversation=conv, body="Hola ñandú", client_id="c1")
    assert first.pk == again.pk
    assert Message.objects.filter(conversation=conv, direction="in").count() == 1
    message_send(tenant=t, conversation=conv, agent=agent, body="¿En qué le ayudo?")
    message_send(tenant=t, conversation=conv, agent=agent, body="internal", note=True)
    conv = refresh(conv)
    assert conv.first_response_at is not None
    with pytest.raises(DomainError) as err:
        conversation_close(tenant=t, conversation=conv, agent=agent, disposition_code="escalated")
    assert err.value.field == "note"
    with pytest.raises(DomainError):
        conversation_close(tenant=t, conversation=conv, agent=agent, disposition_code="nope")
    conversation_close(tenant=t, conversation=conv, agent=agent, disposition_code="solved")
    conv = refresh(conv)
    assert conv.status == Status.CLOSED
    assert conv.disposition.code == "solved"
    assert kinds(conv) == ["enqueued", "offered", "accepted", "closed"]
    agent = refresh(agent)
    assert agent.wrap_up_until is not None
    # During wrap-up the agent gets nothing; the other agent does.
    other = next(a for a in world.agents if a.pk != agent.pk)
    agent_state_set(t, other, status="offline")
    nxt = conversation_start(tenant=t, inbox=world.inbox, visitor_token="another-visitor-token1")
    assert routing_tick(t, timezone.now()) == 0
    assert routing_tick(t, timezone.now() + timedelta(seconds=16)) == 1
    assert refresh(nxt).offered_to == agent


def test_rona_sets_not_ready_and_reoffers_to_next_agent(world):
    t = world.tenant
    conv = conversation_start(tenant=t, inbox=world.inbox, visitor_token=TOKEN)
    now = timezone.now()
    routing_tick(t, now)
    first = refresh(conv).offered_to
    routing_tick(t, now + timedelta(seconds=31))
    conv = refresh(conv)
    first = refresh(first)
    assert (first.status, first.reason) == ("aux", "rona")
    assert conv.status == Status.OFFERED
    assert conv.offered_to != first
    assert kinds(conv) == ["enqueued", "offered", "timed_out", "offered"]
    assert AgentStateLog.objects.filter(agent=first, reason="rona", ended_at__isnull=True).exists()


def test_reject_goes_to_the_other_agent_and_stale_accept_is_refused(world):
    t = world.tenant
    conv = conversation_start(tenant=t, inbox=world.inbox, visitor_token=TOKEN)
    routing_tick(t, timezone.now())
    first = refresh(conv).offered_to
    conversation_reject(tenant=t, conversation=conv, agent=first)
    routing_tick(t, timezone.now())
    conv = refresh(conv)
    assert conv.offered_to not in (None, first)
    with pytest.raises(DomainError):
        conversation_accept(tenant=t, conversation=conv, agent=first)


def test_transfer_to_queue_and_to_agent(world):
    t = world.tenant
    conv = conversation_start(tenant=t, inbox=world.inbox, visitor_token=TOKEN)
    routing_tick(t, timezone.now())
    a1 = refresh(conv).offered_to
    a2 = next(a for a in world.agents if a.pk != a1.pk)
    conversation_accept(tenant=t, conversation=conv, agent=a1)
    conversation_transfer(tenant=t, conversation=conv, by=a1, agent=a2)
    conv = refresh(conv)
    assert conv.status == Status.OFFERED
    assert conv.offered_to == a2
    conversation_accept(tenant=t, conversation=conv, agent=a2)
    with pytest.raises(ForbiddenError):
        message_send(tenant=t, conversation=refresh(conv), agent=a1, body="still mine?")
    conversation_transfer(tenant=t, conversation=refresh(conv), by=a2, queue=world.other_queue)
    conv = refresh(conv)
    assert conv.status == Status.QUEUED
    assert conv.queue == world.other_queue
    assert kinds(conv).count("transferred") == 2


def test_abandon_while_queued_is_recorded_with_wait(world):
    t = world.tenant
    for a in world.agents:
        agent_state_set(t, a, status="aux", reason="break")
    conv = conversation_start(tenant=t, inbox=world.inbox, visitor_token=TOKEN)
    conversation_abandon(tenant=t, conversation=conv)
    conv = refresh(conv)
    assert conv.status == Status.CLOSED
    assert kinds(conv)[-1] == "abandoned"


def test_topic_rule_routes_to_its_queue_and_unknown_topic_is_refused(world):
    conv = conversation_start(tenant=world.tenant, inbox=world.inbox, visitor_token=TOKEN,
                              topic="Sales")
    assert conv.queue == world.other_queue
    with pytest.raises(DomainError) as err:
        conversation_start(tenant=world.tenant, inbox=world.inbox,
                           visitor_token="other-visitor-000000", topic="Nope")
    assert err.value.field == "topic"


def test_same_email_on_two_visits_is_one_contact_and_phone_is_e164(world):
    t = world.tenant
    c1 = conversation_start(tenant=t, inbox=world.inbox, visitor_token="visitor-one-0000000",
                            email="Pepe@Example.org", phone="300 123 4567")
    conversation_abandon(tenant=t, conversation=c1)
    c2 = conversation_start(tenant=t, inbox=world.inbox, visitor_token="visitor-two-0000000",
                            email="pepe@example.org")
    assert c1.contact_id == c2.contact_id
    contact = Contact.objects.get(pk=c1.contact_id)
    assert contact.phone == "+573001234567"
    assert contact.email == "pepe@example.org"


def test_resuming_visitor_gets_the_same_open_conversation(world):
    c1 = conversation_start(tenant=world.tenant, inbox=world.inbox, visitor_token=TOKEN)
    c2 = conversation_start(tenant=world.tenant, inbox=world.inbox, visitor_token=TOKEN)
    assert c1.pk == c2.pk


def test_other_tenants_inbox_is_not_found(world):
    other = make_world("other", agents=1)
    with pytest.raises(NotFoundError):
        conversation_start(tenant=world.tenant, inbox=other.inbox, visitor_token=TOKEN)


def test_capacity_limits_offers_per_agent(world):
    t = world.tenant
    agent_state_set(t, world.agents[1], status="offline")
    for i in range(5):
        conversation_start(tenant=t, inbox=world.inbox, visitor_token=f"visitor-token-cap-{i:04}")
    assert routing_tick(t, timezone.now()) == 3  # chat capacity 3
    assert routing_tick(t, timezone.now()) == 0


def test_illegal_state_changes_are_refused(world):
    with pytest.raises(DomainError) as err:
        agent_state_set(world.tenant, world.agents[0], status="aux", reason="unknown-reason")
    assert err.value.field == "reason"
    with pytest.raises(DomainError):
        agent_state_set(world.tenant, world.agents[0], status="dancing")
    assert AgentProfile.objects.get(pk=world.agents[0].pk).status == "available"


def test_empty_and_oversized_messages_are_refused(world, settings):
    conv = conversation_start(tenant=world.tenant, inbox=world.inbox, visitor_token=TOKEN)
    with pytest.raises(DomainError):
        message_receive(tenant=world.tenant, conversation=conv, body="   ")
    with pytest.raises(DomainError):
        message_receive(tenant=world.tenant, conversation=conv,
                        body="x" * (settings.MESSAGE_MAX_CHARS + 1))
    assert not Message.objects.filter(conversation=conv, direction="in").exists()
