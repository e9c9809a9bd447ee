"""Build a small tenant world through the same models the product uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contacta.accounts.models import ApiToken, User
from contacta.connectors.models import Inbox, InboxRule
from contacta.routing.models import (
    AgentProfile,
    AgentSkill,
    AuxReason,
    Disposition,
    Queue,
    QueueSkill,
    Skill,
)
from contacta.tenants.models import Membership, Role, Tenant

PASSWORD = "pw-for-tests-123"


@dataclass
class World:
    tenant: Tenant
    queue: Queue
    other_queue: Queue
    inbox: Inbox
    agents: list[AgentProfile]
    supervisor: User
    viewer: User
    admin: User
    token: str
    skill: Skill
    extra: dict[str, object] = field(default_factory=dict)


def user(username: str, **flags: object) -> User:
    u = User.objects.create(username=username, first_name=username.title(), **flags)
    u.set_password(PASSWORD)
    u.save()
    return u


def make_world(slug: str, *, agents: int = 2, offer_timeout: int = 30, wrap_up: int = 0,
               capacity: int = 3) -> World:
    tenant = Tenant.objects.create(slug=slug, name=slug.title())
    skill = Skill.objects.create(tenant=tenant, name="general")
    queue = Queue.objects.create(tenant=tenant, name="Main", offer_timeout_seconds=offer_timeout,
                                 wrap_up_seconds=wrap_up)
    other = Queue.objects.create(tenant=tenant, name="Second", offer_timeout_seconds=offer_timeout,
                                 wrap_up_seconds=wrap_up)
    for q in (queue, other):
        QueueSkill.objects.create(tenant=tenant, queue=q, skill=skill, min_proficiency=1)
        Disposition.objects.create(tenant=tenant, queue=q, code="solved", label="Solved")
        Disposition.objects.create(tenant=tenant, queue=q, code="escalated", label="Escalated",
                                   requires_note=True)
    AuxReason.objects.create(tenant=tenant, code="break", label="Break")
    inbox = Inbox.objects.create(tenant=tenant, name="Web", default_queue=queue,
                                 public_key=f"{slug}-key")
    InboxRule.objects.create(tenant=tenant, inbox=inbox, topic="Sales", queue=other)
    profiles = []
    for i in range(agents):
        u = user(f"{slug}-agent{i + 1}")
        Membership.objects.create(tenant=tenant, user=u, role=Role.AGENT)
        profile = AgentProfile.objects.create(tenant=tenant, user=u, chat_capacity=capacity)
        AgentSkill.objects.create(tenant=tenant, agent=profile, skill=skill, proficiency=3)
        profiles.append(profile)
    supervisor = user(f"{slug}-sup")
    Membership.objects.create(tenant=tenant, user=supervisor, role=Role.SUPERVISOR)
    viewer = user(f"{slug}-viewer")
    Membership.objects.create(tenant=tenant, user=viewer, role=Role.CLIENT_VIEWER)
    admin = user(f"{slug}-admin")
    Membership.objects.create(tenant=tenant, user=admin, role=Role.TENANT_ADMIN)
    _, raw = ApiToken.issue(admin, "tests", tenant=tenant)
    return World(tenant, queue, other, inbox, profiles, supervisor, viewer, admin, raw, skill)


def taken_by_agent(world: World, inbox: Inbox, agent_index: int = 0) -> tuple[Any, Any]:
    """The inbox's waiting conversation, routed to and accepted by one of the world's agents."""
    from django.utils import timezone

    from contacta.conversations.models import Conversation
    from contacta.conversations.services import conversation_accept
    from contacta.routing.services import agent_state_set
    from contacta.routing.worker import routing_tick

    agent = world.agents[agent_index]
    agent_state_set(world.tenant, agent, status="available")
    routing_tick(world.tenant, timezone.now())
    conv = conversation_accept(tenant=world.tenant, agent=agent,
                               conversation=Conversation.objects.get(inbox=inbox))
    return conv, agent
