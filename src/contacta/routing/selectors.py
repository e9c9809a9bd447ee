"""Reads for routing: where a waiting conversation stands in its queue, and how long it may wait."""

from __future__ import annotations

from datetime import datetime

from contacta.conversations.models import Conversation, Status
from contacta.core.routing import model as k
from contacta.core.routing.engine import order_waiting
from contacta.routing.models import Queue
from contacta.routing.services import ts
from contacta.tenants.models import Tenant

DEFAULT_WAIT_ESTIMATE_S = 30.0


def queue_order(tenant: Tenant, queue: Queue, now: datetime) -> list[int]:
    """Ids of the queue's waiting conversations in the order the kernel will serve them."""
    rows = (Conversation.objects.for_tenant(tenant).filter(queue=queue, status=Status.QUEUED)
            .values("pk", "channel", "queued_at", "priority_boost"))
    waiting = tuple(k.Interaction(id=r["pk"], queue_id=queue.pk, channel=k.Channel(r["channel"]),
                                  enqueued_at=ts(r["queued_at"]) or now.timestamp(),
                                  priority_boost=r["priority_boost"]) for r in rows)
    snapshot = k.Snapshot(agents=(), waiting=waiting, queues={queue.pk: k.Queue(
        id=queue.pk, priority=queue.priority, aging_per_minute=queue.aging_per_minute)})
    return [item.id for item in order_waiting(snapshot, now.timestamp())]


def average_wait_s(tenant: Tenant, queue: Queue) -> float:
    """Mean wait before an agent took the queue's last 20 conversations."""
    recent = (Conversation.objects.for_tenant(tenant)
              .filter(queue=queue, accepted_at__isnull=False, queued_at__isnull=False)
              .order_by("-accepted_at").values_list("queued_at", "accepted_at")[:20])
    waits = [(accepted - queued).total_seconds() for queued, accepted in recent]
    return sum(waits) / len(waits) if waits else DEFAULT_WAIT_ESTIMATE_S


def queue_positions(tenant: Tenant, queue: Queue, now: datetime) -> dict[int, tuple[int, int]]:
    """conversation id -> (position from 1, estimated wait in seconds)."""
    average = average_wait_s(tenant, queue)
    return {conv_id: (index + 1, round((index + 1) * average))
            for index, conv_id in enumerate(queue_order(tenant, queue, now))}
