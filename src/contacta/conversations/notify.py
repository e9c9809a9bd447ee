"""Who hears about a conversation: its visitor, its agent(s) and the tenant's supervisors."""

from __future__ import annotations

from typing import Any

from contacta.conversations.models import Conversation
from contacta.realtime.events import (
    agent_group,
    send_event_on_commit,
    supervisors_group,
    visitor_group,
)
from contacta.tenants.models import Tenant


def notify_conversation(tenant: Tenant, conv: Conversation, event: dict[str, Any], *,
                        visitor: bool = False, agents: bool = True,
                        supervisors: bool = False, extra_agent_ids: tuple[int, ...] = ()) -> None:
    groups: list[str] = []
    if visitor:
        groups.append(visitor_group(tenant.pk, conv.pk))
    if agents:
        ids = {conv.assignee_id, conv.offered_to_id, *extra_agent_ids} - {None}
        groups.extend(agent_group(tenant.pk, agent_id) for agent_id in ids if agent_id)
    if supervisors:
        groups.append(supervisors_group(tenant.pk))
    if groups:
        send_event_on_commit(tenant, groups, event)
