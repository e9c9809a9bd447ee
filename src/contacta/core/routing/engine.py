"""route(snapshot, now) -> offers: the one place where work meets agents."""

from __future__ import annotations

from dataclasses import replace

from contacta.core.routing.model import Agent, Interaction, Offer, Snapshot
from contacta.core.routing.policies import RANKERS, effective_priority, is_eligible, tie_breaker


def order_waiting(snapshot: Snapshot, now: float) -> list[Interaction]:
    """Waiting work, highest effective priority first, FIFO within equal priority."""

    def key(item: Interaction) -> tuple[float, float, int]:
        queue = snapshot.queues[item.queue_id]
        return (-effective_priority(queue, item, now), item.enqueued_at, item.id)

    return sorted((w for w in snapshot.waiting if w.queue_id in snapshot.queues), key=key)


def route(snapshot: Snapshot, now: float, seed: int = 0) -> list[Offer]:
    """Decide which waiting interactions to offer to which agents at time `now`."""
    agents: dict[int, Agent] = {agent.id: agent for agent in snapshot.agents}
    ties = tie_breaker(list(agents), seed)
    offers: list[Offer] = []
    for item in order_waiting(snapshot, now):
        queue = snapshot.queues[item.queue_id]
        eligible = [a for a in agents.values() if is_eligible(a, queue, item, now)]
        # Agents who rejected it or let it time out are a last resort, not banned: with nobody
        # else free, the chat goes back to them rather than waiting forever.
        candidates = [a for a in eligible if a.id not in item.excluded_agent_ids] or eligible
        if not candidates:
            continue
        preferred = [a for a in candidates if a.id == item.preferred_agent_id]
        ranker = RANKERS[queue.policy]
        chosen = preferred[0] if preferred else min(
            candidates, key=lambda a: (*ranker(a, queue), ties[a.id])
        )
        offers.append(Offer(item.id, chosen.id, queue.id, now))
        # Count the pending offer as load so one pass never overfills an agent.
        load = dict(chosen.load)
        load[item.channel] = load.get(item.channel, 0) + 1
        agents[chosen.id] = replace(chosen, load=load, last_offer_at=now, idle_since=now)
    return offers
