"""Property-based checks of the kernel over random agents, skills and waiting work."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from contacta.core.routing.engine import order_waiting, route
from contacta.core.routing.model import (
    Agent,
    AgentState,
    AgentStatus,
    Channel,
    Interaction,
    Queue,
    SelectionPolicy,
    Snapshot,
)
from contacta.core.routing.policies import effective_priority

SKILLS = ["a", "b", "c"]

agents_st = st.lists(
    st.builds(
        lambda i, status, skills, cap, load, idle: Agent(
            id=i, state=AgentState(status, "break" if status is AgentStatus.AUX else ""),
            skills=skills, capacity={Channel.CHAT: cap}, load={Channel.CHAT: min(load, cap)},
            idle_since=idle),
        st.integers(1, 10_000), st.sampled_from(list(AgentStatus)),
        st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5)), st.integers(0, 4),
        st.integers(0, 4), st.floats(0, 1000)),
    max_size=12, unique_by=lambda a: a.id)

queues_st = st.lists(
    st.builds(lambda i, req, prio, pol, aging: Queue(id=i, required_skills=req, priority=prio,
                                                     policy=pol, aging_per_minute=aging),
              st.integers(1, 4), st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5),
                                                 max_size=2),
              st.integers(1, 10), st.sampled_from(list(SelectionPolicy)), st.floats(0, 2)),
    min_size=1, max_size=4, unique_by=lambda q: q.id)


@st.composite
def snapshots(draw):
    agents = draw(agents_st)
    queues = draw(queues_st)
    ids = [q.id for q in queues]
    waiting = draw(st.lists(st.builds(
        lambda i, q, at, boost, excl: Interaction(id=i, queue_id=q, channel=Channel.CHAT,
                                                  enqueued_at=at, priority_boost=boost,
                                                  excluded_agent_ids=frozenset(excl)),
        st.integers(1, 100_000), st.sampled_from(ids), st.floats(0, 1000), st.integers(0, 2),
        st.sets(st.sampled_from([a.id for a in agents] or [0]), max_size=2)),
        max_size=30, unique_by=lambda w: w.id))
    return Snapshot(agents=tuple(agents), queues={q.id: q for q in queues}, waiting=tuple(waiting))


@settings(max_examples=300, deadline=None)
@given(snapshots(), st.floats(1000, 5000), st.integers(0, 50))
def test_routing_invariants(snapshot, now, seed):
    offers = route(snapshot, now, seed)
    agents = {a.id: a for a in snapshot.agents}
    items = {w.id: w for w in snapshot.waiting}
    # No interaction is offered twice; no agent goes above capacity.
    assert len({o.interaction_id for o in offers}) == len(offers)
    per_agent: dict[int, int] = {}
    for o in offers:
        per_agent[o.agent_id] = per_agent.get(o.agent_id, 0) + 1
    for agent_id, extra in per_agent.items():
        a = agents[agent_id]
        assert a.load.get(Channel.CHAT, 0) + extra <= a.capacity.get(Channel.CHAT, 0)
    # Only eligible agents: available and skilled enough.
    for o in offers:
        a, w = agents[o.agent_id], items[o.interaction_id]
        q = snapshot.queues[w.queue_id]
        assert a.state.status is AgentStatus.AVAILABLE
        assert all(a.skills.get(s, 0) >= lvl for s, lvl in q.required_skills.items())
    # Same seed, same decisions.
    assert route(snapshot, now, seed) == offers


@settings(max_examples=200, deadline=None)
@given(snapshots(), st.floats(1000, 5000))
def test_fifo_within_equal_effective_priority(snapshot, now):
    ordered = order_waiting(snapshot, now)
    for earlier, later in itertools.pairwise(ordered):
        pe = effective_priority(snapshot.queues[earlier.queue_id], earlier, now)
        pl = effective_priority(snapshot.queues[later.queue_id], later, now)
        assert pe >= pl
        if pe == pl:
            assert earlier.enqueued_at <= later.enqueued_at


@settings(max_examples=200, deadline=None)
@given(snapshots(), st.floats(1000, 5000))
def test_a_skipped_interaction_had_no_free_eligible_agent(snapshot, now):
    """Work-conserving: if a chat was not offered, no agent that could take it was left free."""
    offers = route(snapshot, now)
    offered = {o.interaction_id for o in offers}
    used: dict[int, int] = {}
    for o in offers:
        used[o.agent_id] = used.get(o.agent_id, 0) + 1
    for w in snapshot.waiting:
        if w.id in offered:
            continue
        q = snapshot.queues[w.queue_id]
        for a in snapshot.agents:
            free = a.capacity.get(Channel.CHAT, 0) - a.load.get(Channel.CHAT, 0) - used.get(a.id, 0)
            eligible = (a.state.status is AgentStatus.AVAILABLE
                        and all(a.skills.get(s, 0) >= lvl for s, lvl in q.required_skills.items()))
            assert not (eligible and free > 0)


@settings(max_examples=200, deadline=None)
@given(snapshots(), st.floats(1000, 5000))
def test_excluded_agents_only_when_no_one_else_was_free(snapshot, now):
    offers = route(snapshot, now)
    agents = {a.id: a for a in snapshot.agents}
    items = {w.id: w for w in snapshot.waiting}
    used: dict[int, int] = {}
    for o in offers:
        w = items[o.interaction_id]
        q = snapshot.queues[w.queue_id]
        if o.agent_id in w.excluded_agent_ids:
            for a in agents.values():
                free = (a.capacity.get(Channel.CHAT, 0) - a.load.get(Channel.CHAT, 0)
                        - used.get(a.id, 0))
                other_ok = (a.id not in w.excluded_agent_ids and a.state.status is AgentStatus.AVAILABLE
                            and all(a.skills.get(s, 0) >= lvl for s, lvl in q.required_skills.items()))
                assert not (other_ok and free > 0)
        used[o.agent_id] = used.get(o.agent_id, 0) + 1
