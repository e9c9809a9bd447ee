"""The routing kernel, without Django."""

from __future__ import annotations

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

AVAILABLE = AgentState(AgentStatus.AVAILABLE)


def agent(agent_id: int, *, idle: float = 0.0, skills=None, cap: int = 3, load: int = 0,
          state: AgentState = AVAILABLE, voice: int = 0) -> Agent:
    return Agent(id=agent_id, state=state, skills=skills if skills is not None else {"s": 3},
                 capacity={Channel.CHAT: cap, Channel.VOICE: 1},
                 load={Channel.CHAT: load, Channel.VOICE: voice}, idle_since=idle)


def item(item_id: int, *, at: float = 0.0, queue: int = 1, boost: int = 0, excluded=()) -> Interaction:
    return Interaction(id=item_id, queue_id=queue, channel=Channel.CHAT, enqueued_at=at,
                       priority_boost=boost, excluded_agent_ids=frozenset(excluded))


def snap(agents, items, **queue_kw) -> Snapshot:
    q = Queue(id=1, required_skills={"s": 1}, **queue_kw)
    return Snapshot(agents=tuple(agents), queues={1: q}, waiting=tuple(items))


def test_longest_idle_agent_gets_the_oldest_chat():
    offers = route(snap([agent(1, idle=50), agent(2, idle=10)], [item(7, at=5), item(8, at=1)]),
                   now=100)
    assert [(o.interaction_id, o.agent_id) for o in offers] == [(8, 2), (7, 1)]


def test_capacity_is_never_exceeded_in_one_pass():
    offers = route(snap([agent(1, cap=2, load=1)], [item(i, at=i) for i in range(5)]), now=10)
    assert len(offers) == 1


def test_skill_and_minimum_proficiency_are_required():
    q = Queue(id=1, required_skills={"s": 4})
    snapshot = Snapshot(agents=(agent(1, skills={"s": 3}), agent(2, skills={"s": 5}),
                                agent(3, skills={})), queues={1: q}, waiting=(item(1),))
    assert [o.agent_id for o in route(snapshot, now=1)] == [2]


def test_not_ready_offline_and_wrap_up_agents_get_nothing():
    wrapping = AgentState(AgentStatus.AVAILABLE, wrap_up_until=200)
    agents = [agent(1, state=AgentState(AgentStatus.AUX, "break")),
              agent(2, state=AgentState(AgentStatus.OFFLINE)), agent(3, state=wrapping)]
    assert route(snap(agents, [item(1)]), now=100) == []
    assert [o.agent_id for o in route(snap(agents, [item(1)]), now=200)] == [3]


def test_excluded_agent_is_tried_last_after_rona():
    offers = route(snap([agent(1, idle=0), agent(2, idle=50)], [item(1, excluded={1})]), now=60)
    assert [o.agent_id for o in offers] == [2]
    alone = route(snap([agent(1, idle=0), agent(2, state=AgentState(AgentStatus.AUX, "x"))],
                       [item(1, excluded={1})]), now=60)
    assert [o.agent_id for o in alone] == [1]


def test_aging_lets_an_old_low_priority_chat_overtake():
    low = Queue(id=1, required_skills={}, priority=2, aging_per_minute=1.0)
    high = Queue(id=2, required_skills={}, priority=5)
    snapshot = Snapshot(agents=(agent(1, cap=1),), queues={1: low, 2: high},
                        waiting=(item(1, at=0, queue=1), item(2, at=590, queue=2)))
    assert route(snapshot, now=600)[0].interaction_id == 1  # 2 + 10 minutes of aging > 5
    assert route(snapshot, now=60)[0].interaction_id == 2


def test_requeued_chat_keeps_its_place_ahead_of_newer_work():
    snapshot = snap([agent(1, cap=1)], [item(2, at=50), item(1, at=10, boost=1)])
    assert [i.id for i in order_waiting(snapshot, now=60)] == [1, 2]


def test_a_call_blocks_chats_and_chats_block_a_call():
    on_call = agent(1, voice=1, load=0)
    assert route(snap([on_call], [item(1)]), now=1) == []
    chatting = agent(2, load=1)
    call = Interaction(id=9, queue_id=1, channel=Channel.VOICE, enqueued_at=0)
    assert route(snap([chatting], [call]), now=1) == []


def test_policies_rank_as_documented():
    skilled = [agent(1, idle=0, skills={"s": 2}), agent(2, idle=50, skills={"s": 5})]
    assert route(snap(skilled, [item(1)], policy=SelectionPolicy.MOST_SKILLED), now=99)[0].agent_id == 2
    busy = [agent(1, idle=0, load=2), agent(2, idle=50, load=0)]
    assert route(snap(busy, [item(1)], policy=SelectionPolicy.LEAST_OCCUPIED), now=99)[0].agent_id == 2


def test_ties_are_broken_by_seed_deterministically():
    agents = [agent(i, idle=0) for i in range(1, 6)]
    first = [route(snap(agents, [item(1)]), now=1, seed=s)[0].agent_id for s in range(20)]
    again = [route(snap(agents, [item(1)]), now=1, seed=s)[0].agent_id for s in range(20)]
    assert first == again
    assert len(set(first)) > 1  # different seeds do spread ties
