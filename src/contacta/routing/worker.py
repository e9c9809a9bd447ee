"""The routing worker: expire offers, end wrap-ups, route, tell waiting customers their place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.utils import timezone

from contacta.conversations.models import Conversation, Status
from contacta.conversations.services import (
    conversation_offer,
    conversation_offer_expire,
    conversation_overflow,
)
from contacta.core.routing.agent_states import WrapUpEnded
from contacta.core.routing.engine import plan
from contacta.core.routing.events import Offered, Overflowed
from contacta.realtime.events import send_event_on_commit, visitor_group
from contacta.routing.models import AgentProfile, Queue
from contacta.routing.selectors import queue_positions
from contacta.routing.services import agent_apply
from contacta.routing.snapshot import build_snapshot
from contacta.routing.wakeup import register
from contacta.tenants.models import Tenant

log = logging.getLogger(__name__)


def routing_tick(tenant: Tenant, now: datetime) -> int:
    """One routing pass for one tenant, atomically. Returns the number of offers made."""
    with transaction.atomic():
        # Serialises routing per tenant across worker processes (PostgreSQL row lock; SQLite
        # takes its database write lock at BEGIN IMMEDIATE).
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        for conv in (Conversation.objects.for_tenant(tenant).select_for_update(of=("self",))
                     .filter(status=Status.OFFERED, offer_expires_at__lte=now)
                     .select_related("offered_to", "queue", "contact", "inbox")):
            conversation_offer_expire(tenant, conv, now=now)
        for agent in AgentProfile.objects.for_tenant(tenant).filter(wrap_up_until__lte=now):
            agent_apply(tenant, agent, WrapUpEnded(), now=now)

        snapshot = build_snapshot(tenant, now)
        decisions = plan(snapshot, now.timestamp(), seed=tenant.pk)
        offers = [d for d in decisions if isinstance(d, Offered)]
        moved = [d for d in decisions if isinstance(d, Overflowed)]
        if decisions:
            convs = Conversation.objects.for_tenant(tenant).select_related(
                "queue", "contact", "inbox").in_bulk([d.interaction_id for d in offers + moved])
            agents = AgentProfile.objects.for_tenant(tenant).select_related("user").in_bulk(
                [o.agent_id for o in offers])
            for overflow in moved:
                conversation_overflow(tenant, convs[overflow.interaction_id], now=now,
                                      kind=overflow.kind.value, to_queue_id=overflow.to_queue_id,
                                      reason=overflow.reason)
            for offer in offers:
                conv = convs[offer.interaction_id]
                if offer.queue_id != conv.queue_id:  # overflowed and offered in the same pass
                    conv.refresh_from_db()
                queue = conv.queue
                conversation_offer(tenant, conv, agents[offer.agent_id], now=now,
                                   auto_accept=bool(queue and queue.auto_accept))
        _announce_positions(tenant, now)
    return len(offers)


def _announce_positions(tenant: Tenant, now: datetime) -> None:
    """Send each waiting customer their position and estimated wait, when it changed."""
    queue_ids = set(Conversation.objects.for_tenant(tenant).filter(status=Status.QUEUED)
                    .values_list("queue_id", flat=True))
    for queue in Queue.objects.for_tenant(tenant).filter(pk__in=queue_ids):
        for conv_id, (position, estimate) in queue_positions(tenant, queue, now).items():
            key = f"t{tenant.pk}:queuepos:{conv_id}"
            if cache.get(key) == (position, estimate):
                continue
            cache.set(key, (position, estimate), 3600)
            send_event_on_commit(tenant, [visitor_group(tenant.pk, conv_id)], {
                "type": "queue.position", "conversation_id": conv_id, "position": position,
                "estimated_wait_s": estimate})


def tick_all_tenants() -> int:
    now = timezone.now()
    offered = 0
    for tenant in Tenant.objects.filter(is_active=True):
        try:
            offered += routing_tick(tenant, now)
        except Exception:  # one tenant's bad data must not stop routing for the others
            log.exception("routing tick failed for tenant %s", tenant.slug)
    return offered


def _in_thread(work: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        close_old_connections()
        try:
            return work()
        finally:
            close_old_connections()

    return run


def _connectors_tick() -> None:
    from contacta.connectors.services import connectors_tick

    connectors_tick(timezone.now())


async def routing_loop(stop: asyncio.Event) -> None:
    """Route every ROUTING_TICK_SECONDS, or at once when new work arrives."""
    await _loop(stop, _in_thread(tick_all_tenants), "routing")


async def connectors_loop(stop: asyncio.Event) -> None:
    """Provider work (stored deliveries, the outbox, mailboxes) in its own loop and thread:
    a slow provider never delays routing."""
    await _loop(stop, _in_thread(_connectors_tick), "connectors")


async def _loop(stop: asyncio.Event, work: Callable[[], object], name: str) -> None:
    wake = asyncio.Event()
    register(asyncio.get_running_loop(), wake)
    tick = sync_to_async(work, thread_sensitive=False)
    while not stop.is_set():
        wake.clear()
        try:
            await tick()
        except Exception:
            log.exception("%s loop iteration failed", name)
        waiter = asyncio.ensure_future(wake.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiter, stopper}, timeout=settings.ROUTING_TICK_SECONDS,
                           return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        stopper.cancel()
