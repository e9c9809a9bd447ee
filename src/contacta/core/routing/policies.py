"""Eligibility and agent-ranking rules, one function per concern."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from contacta.core.routing.model import Agent, AgentStatus, Interaction, Queue, SelectionPolicy

RankKey = tuple[float, ...]


def is_eligible(agent: Agent, queue: Queue, interaction: Interaction, now: float) -> bool:
    """True when the agent may be offered this interaction right now (exclusions aside)."""
    if agent.state.status is not AgentStatus.AVAILABLE or agent.state.in_wrap_up(now):
        return False
    if agent.free_slots(interaction.channel) <= 0:
        return False
    return all(agent.skills.get(skill, 0) >= level for skill, level in queue.required_skills.items())


def effective_priority(queue: Queue, interaction: Interaction, now: float) -> float:
    """Queue priority plus boosts plus aging for the time already waited."""
    waited_minutes = max(0.0, now - interaction.enqueued_at) / 60.0
    return queue.priority + interaction.priority_boost + queue.aging_per_minute * waited_minutes


def _skill_score(agent: Agent, queue: Queue) -> float:
    return float(sum(agent.skills.get(skill, 0) for skill in queue.required_skills))


# Every ranker takes (agent, queue) so policies are interchangeable; lower keys rank first.
RANKERS: Mapping[SelectionPolicy, Callable[[Agent, Queue], RankKey]] = {
    SelectionPolicy.LONGEST_IDLE: lambda a, _q: (a.idle_since,),
    SelectionPolicy.MOST_SKILLED: lambda a, q: (-_skill_score(a, q), a.idle_since),
    SelectionPolicy.LEAST_OCCUPIED: lambda a, _q: (a.occupancy(), a.idle_since),
    SelectionPolicy.ROUND_ROBIN: lambda a, _q: (a.last_offer_at,),
}


def tie_breaker(agent_ids: list[int], seed: int) -> dict[int, int]:
    """A seed-determined total order over agents for breaking exact ties."""
    order = sorted(agent_ids)
    random.Random(seed).shuffle(order)  # noqa: S311 - determinism, not security
    return {agent_id: position for position, agent_id in enumerate(order)}
