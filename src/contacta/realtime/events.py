"""Real-time events: every event is addressed inside one tenant and sent only after commit.

Event names and payloads are documented in docs/events.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from contacta.tenants.models import Tenant

log = logging.getLogger(__name__)


def agent_group(tenant_id: int, agent_id: int) -> str:
    return f"t{tenant_id}.agent.{agent_id}"


def visitor_group(tenant_id: int, conversation_id: int) -> str:
    return f"t{tenant_id}.visitor.{conversation_id}"


def supervisors_group(tenant_id: int) -> str:
    return f"t{tenant_id}.supervisors"


def _deliver(groups: list[str], event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(layer.group_send)
    for group in groups:
        try:
            send(group, {"type": "contacta.event", "event": event})
        except Exception:  # a full or broken layer must not undo a committed write
            log.exception("event delivery failed for %s", group)


def send_event_on_commit(tenant: Tenant, groups: Iterable[str], event: dict[str, Any]) -> None:
    """Queue `event` for `groups` (all of them the tenant's) once the transaction commits."""
    prefix = f"t{tenant.pk}."
    group_list = list(groups)
    if any(not g.startswith(prefix) for g in group_list):
        raise ValueError("event addressed outside its tenant")
    transaction.on_commit(lambda: _deliver(group_list, event))
