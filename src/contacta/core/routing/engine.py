"""route(snapshot, now) -> offers: the stateless entry to the routing kernel.

The Django worker loads a tenant's snapshot each tick; the same Router that the simulator
drives event by event makes the decisions (contacta.core.routing.router).
"""

from __future__ import annotations

from contacta.core.routing.events import Offered, RoutingEvent
from contacta.core.routing.model import Interaction, Offer, Snapshot
from contacta.core.routing.policies import effective_priority
from contacta.core.routing.router import Router


def order_waiting(snapshot: Snapshot, now: float) -> list[Interaction]:
    """Waiting work, highest effective priority first, FIFO within equal priority."""

    def key(item: Interaction) -> tuple[float, float, int]:
        queue = snapshot.queues[item.queue_id]
        return (-effective_priority(queue, item, now), item.enqueued_at, item.id)

    return sorted((w for w in snapshot.waiting if w.queue_id in snapshot.queues), key=key)


def plan(snapshot: Snapshot, now: float, seed: int = 0) -> list[RoutingEvent]:
    """Everything due at `now` for a snapshot: overflows by wait or widening, then offers."""
    router = Router(snapshot.queues, seed=seed, agent_ids=[a.id for a in snapshot.agents])
    for agent in snapshot.agents:
        router.add_agent(agent, now, serve=False)
    for item in snapshot.waiting:
        if item.queue_id in snapshot.queues:
            router.restore_waiting(item)
    events = router.advance(now, place=False)
    return events + router.dispatch(now)


def route(snapshot: Snapshot, now: float, seed: int = 0) -> list[Offer]:
    """Decide which waiting interactions to offer to which agents at time `now`."""
    return [Offer(e.interaction_id, e.agent_id, e.queue_id, e.at)
            for e in plan(snapshot, now, seed) if isinstance(e, Offered)]
