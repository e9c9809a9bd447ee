"""Random event sequences against the stateful kernel: the invariants of docs/routing.md."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from contacta.core.routing.events import (
    Abandoned,
    Accepted,
    Completed,
    Enqueued,
    Offered,
    Overflowed,
    Rejected,
    TimedOut,
)
from contacta.core.routing.model import (
    Agent,
    AgentState,
    AgentStatus,
    Channel,
    Interaction,
    OverflowAction,
    OverflowKind,
    Queue,
    SelectionPolicy,
    WideningStep,
)
from contacta.core.routing.router import Router, RoutingError

QUEUES = {
    1: Queue(id=1, required_skills={"a": 3}, policy=SelectionPolicy.LONGEST_IDLE,
             widening=(WideningStep(after_s=30, min_proficiency=1),)),
    2: Queue(id=2, required_skills={"b": 1}, priority=7, aging_per_minute=1.0,
             policy=SelectionPolicy.LEAST_OCCUPIED, max_waiting=6,
             overflow=OverflowAction(OverflowKind.QUEUE, queue_id=3)),
    3: Queue(id=3, required_skills={}, policy=SelectionPolicy.ROUND_ROBIN, max_wait_s=200,
             overflow=OverflowAction(OverflowKind.CALLBACK), sticky_s=15),
    4: Queue(id=4, required_skills={"a": 1, "b": 2}, policy=SelectionPolicy.MOST_SKILLED),
}

agent_st = st.builds(
    lambda skills, chat, voice: (skills, chat, voice),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(1, 5)), st.integers(1, 3),
    st.integers(0, 1))

op_st = st.one_of(
    st.tuples(st.just("enqueue"), st.sampled_from([1, 2, 3, 4]), st.booleans(),
              st.integers(0, 6)),
    st.tuples(st.just("accept"), st.integers(0, 40)),
    st.tuples(st.just("reject"), st.integers(0, 40)),
    st.tuples(st.just("timeout"), st.integers(0, 40)),
    st.tuples(st.just("complete"), st.integers(0, 40), st.sampled_from([0, 5])),
    st.tuples(st.just("abandon"), st.integers(0, 40)),
    st.tuples(st.just("status"), st.integers(0, 6),
              st.sampled_from(["available", "aux", "offline"])),
    st.tuples(st.just("wait"), st.floats(0.5, 60)),
)


def run(agents, ops, seed=0):  # noqa: PLR0912 - one branch per kind of event
    """Drive the router; check invariants after every step; return all events."""
    r = Router(QUEUES, seed=seed)
    now = 0.0
    events = []
    for i, (skills, chat, voice) in enumerate(agents):
        capacity = {Channel.CHAT: chat, **({Channel.VOICE: voice} if voice else {})}
        events += r.add_agent(Agent(id=i, state=AgentState(AgentStatus.AVAILABLE), skills=skills,
                                    capacity=capacity), now)
    enqueued_at: dict[int, float] = {}
    next_id = 0
    for raw in ops:
        now += 1.0
        op = raw
        if op[0] in {"accept", "reject", "timeout", "complete", "abandon"}:
            if not next_id:
                continue
            op = (op[0], op[1] % next_id + 1, *op[2:])  # refer to an interaction that exists
        try:
            if op[0] == "enqueue":
                _, queue_id, voice, preferred = op
                next_id += 1
                enqueued_at[next_id] = now
                item = Interaction(id=next_id, queue_id=queue_id,
                                   channel=Channel.VOICE if voice else Channel.CHAT,
                                   enqueued_at=now,
                                   preferred_agent_id=preferred if preferred < len(agents) else None)
                step = r.enqueue(item, now)
            elif op[0] == "accept":
                step = r.accept(op[1], now)
            elif op[0] == "reject":
                step = r.reject(op[1], now)
            elif op[0] == "timeout":
                step = r.time_out(op[1], now)
            elif op[0] == "complete":
                step = r.complete(op[1], now, wrap_up_s=op[2])
            elif op[0] == "abandon":
                step = r.abandon(op[1], now)
            elif op[0] == "status":
                if op[1] >= len(agents):
                    continue
                reason = "break" if op[2] == "aux" else ""
                step = r.change_status(op[1], AgentStatus(op[2]), now, reason)
            else:
                now += op[1]
                step = r.advance(now)
        except (RoutingError, ValueError):
            continue  # an event that does not fit the state is refused and changes nothing
        step += r.advance(now)
        events += step
        check(r, agents, step)
    return r, events, now


def check(r, agents, step):
    for queue_id in QUEUES:
        assert r.waiting_count(queue_id) == len(r.queue_order(queue_id, 0.0))
    for e in step:
        if isinstance(e, Offered):
            a = r.agent_state(e.agent_id)
            assert a.status is AgentStatus.AVAILABLE
            skills = agents[e.agent_id][0]
            queue = QUEUES[e.queue_id]
            floor = min((w.min_proficiency or 9) for w in queue.widening) if queue.widening else 9
            for skill, need in queue.required_skills.items():
                assert skills.get(skill, 0) >= min(need, floor)
    for agent_id, (_skills, chat, voice) in enumerate(agents):
        load = r.agent_load(agent_id)
        assert load.get(Channel.CHAT, 0) <= chat
        assert load.get(Channel.VOICE, 0) <= voice
        if load.get(Channel.VOICE, 0):
            assert load.get(Channel.CHAT, 0) == 0  # a call blocks everything else


def holders(events):
    """Replay events: no interaction is ever offered to two agents at once."""
    holder: dict[int, int | None] = defaultdict(lambda: None)
    for e in events:
        if isinstance(e, Offered):
            assert holder[e.interaction_id] is None, e
            holder[e.interaction_id] = e.agent_id
        elif isinstance(e, Rejected | TimedOut | Abandoned | Completed):
            holder[e.interaction_id] = None
        elif isinstance(e, Accepted):
            assert holder[e.interaction_id] == e.agent_id


@settings(max_examples=250, deadline=None)
@given(st.lists(agent_st, min_size=1, max_size=6), st.lists(op_st, min_size=10, max_size=120),
       st.integers(0, 3))
def test_invariants_hold_and_nothing_is_lost(agents, ops, seed):
    r, events, now = run(agents, ops, seed)
    holders(events)
    # Drain: everyone available, time passes, offers are accepted and work completed.
    for agent_id in range(len(agents)):
        if r.agent_state(agent_id).status is not AgentStatus.AVAILABLE:
            events += r.change_status(agent_id, AgentStatus.AVAILABLE, now)
    for _ in range(200):
        now += 30
        events += r.advance(now)
        offered = [e.interaction_id for e in events if isinstance(e, Offered)
                   and r.state_of(e.interaction_id) == "offered"]
        assigned = [i for i in {e.interaction_id for e in events if isinstance(e, Accepted)}
                    if r.state_of(i) == "assigned"]
        if not offered and not assigned:
            break
        for i in set(offered):
            events += r.accept(i, now)
        for i in set(assigned):
            events += r.complete(i, now)
    for i in {e.interaction_id for e in events if isinstance(e, Enqueued)}:
        if r.state_of(i) in ("waiting", "held"):
            events += r.abandon(i, now)  # no eligible agent exists for it: the customer leaves
    holders(events)
    ended: dict[int, int] = defaultdict(int)
    for e in events:
        if isinstance(e, Completed | Abandoned) or (isinstance(e, Overflowed)
                                                    and e.to_queue_id is None):
            ended[e.interaction_id] += 1
    entered = {e.interaction_id for e in events if isinstance(e, Enqueued | Overflowed)}
    assert all(ended[i] == 1 for i in entered), "every interaction ends exactly once"


@settings(max_examples=100, deadline=None)
@given(st.lists(agent_st, min_size=1, max_size=6), st.lists(op_st, max_size=60),
       st.integers(0, 3))
def test_same_seed_same_decisions(agents, ops, seed):
    assert run(agents, ops, seed)[1] == run(agents, ops, seed)[1]
