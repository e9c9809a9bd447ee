"""The demo BPO and its traffic generator: customers write, bots answer, humans take over."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from contacta.accounts.models import User
from contacta.connectors.models import Inbox
from contacta.conversations.models import Conversation, Direction, Message, Status
from contacta.conversations.services import conversation_start, message_receive
from contacta.demo.seed import demo_load
from contacta.demo.traffic import traffic_step
from contacta.routing.models import AgentProfile, Queue
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.tenants.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def backdate(seconds: int) -> None:
    past = timezone.now() - timedelta(seconds=seconds)
    Conversation.objects.filter(status=Status.OFFERED).update(offered_at=past)
    Message.objects.update(created_at=past)


def test_demo_is_complete_and_idempotent():
    demo_load()
    demo_load()
    assert set(Tenant.objects.values_list("slug", flat=True)) == {"banco-andino", "telnorte"}
    agents = set(User.objects.filter(username__startswith="agente").values_list(
        "username", flat=True))
    assert len(agents) == 10
    shared = Membership.objects.filter(user__username="agente10").count()
    assert shared == 2
    assert Membership.objects.filter(role="client_viewer").count() == 1
    assert Queue.objects.count() == 4
    assert User.objects.get(username="admin").is_superuser


def test_traffic_customers_write_and_bots_answer_then_close():
    demo_load()
    rng = random.Random(7)
    traffic_step(rng, spawn_probability=1.0)
    conv = Conversation.objects.get()
    assert conv.messages.filter(direction=Direction.INBOUND).count() == 1
    assert AgentProfile.objects.filter(status="available").count() == 11  # agente10 twice
    routing_tick(conv.tenant, timezone.now())
    backdate(3)
    traffic_step(rng, spawn_probability=0.0)
    conv.refresh_from_db()
    assert conv.status == Status.ASSIGNED
    for _ in range(12):
        backdate(7)
        traffic_step(rng, spawn_probability=0.0)
        conv.refresh_from_db()
        if conv.status == Status.CLOSED:
            break
    assert conv.status == Status.CLOSED
    assert conv.disposition is not None
    assert conv.messages.filter(direction=Direction.OUTBOUND).count() >= 2
    assert conv.messages.filter(direction=Direction.INBOUND).count() >= 2


def test_bots_stand_aside_for_a_human_at_the_desktop():
    demo_load()
    now = timezone.now()
    AgentProfile.objects.update(desktop_seen_at=now)  # every agent has a human at the desk
    rng = random.Random(1)
    traffic_step(rng, spawn_probability=0.0)
    assert not AgentProfile.objects.filter(status="available").exists()
    human = AgentProfile.objects.get(tenant__slug="banco-andino", user__username="agente1")
    agent_state_set(human.tenant, human, status="available")
    inbox = Inbox.objects.get(tenant=human.tenant, kind="webchat")
    conv = conversation_start(tenant=human.tenant, inbox=inbox,
                              visitor_token="human-desk-visitor-01", email="x@example.com")
    message_receive(tenant=human.tenant, conversation=conv, body="Hola")
    routing_tick(human.tenant, now)
    conv.refresh_from_db()
    assert conv.offered_to == human
    backdate(5)
    traffic_step(rng, spawn_probability=0.0)
    conv.refresh_from_db()
    assert conv.status == Status.OFFERED  # the bot did not click accept for the human


def test_the_demo_bank_has_a_phone_line_with_a_valid_ivr():
    from contacta.core.voice.ivr import validate
    from contacta.voice.models import AgentPhone, VoiceInbox

    demo_load()
    demo_load()  # twice: nothing duplicated
    (line,) = VoiceInbox.objects.all()
    assert line.inbox.provider_account_id == "6015550100"
    queues = set(Queue.objects.filter(tenant=line.tenant).values_list("pk", flat=True))
    assert validate(line.ivr, queues) == line.ivr
    phones = AgentPhone.objects.filter(tenant=line.tenant)
    assert sorted(p.sip_user for p in phones) == ["agente1", "agente2", "agente3"]
    assert all(len(p.sip_ha1) == 32 and not p.sip_uri for p in phones)  # digest only
    traffic_step(random.Random(2), spawn_probability=1.0)
    assert not Conversation.objects.filter(inbox=line.inbox).exists()  # bots only chat
