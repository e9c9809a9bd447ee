"""The stateful kernel: widening, sticky agents, overflow, closed hours, wrap-up, RONA, events."""

from __future__ import annotations

import pytest

from contacta.core.routing.events import (
    Abandoned,
    Accepted,
    Completed,
    Enqueued,
    Offered,
    Overflowed,
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
    WideningStep,
)
from contacta.core.routing.router import Router, RoutingError

AVAILABLE = AgentState(AgentStatus.AVAILABLE)


def agent(i, *, skill=3, chat=3, voice=0, state=AVAILABLE, idle=0.0, email=0):
    capacity = {Channel.CHAT: chat}
    if voice:
        capacity[Channel.VOICE] = voice
    if email:
        capacity[Channel.EMAIL] = email
    return Agent(id=i, state=state, skills={"s": skill} if skill else {}, capacity=capacity,
                 idle_since=idle)


def item(i, *, q=1, at=0.0, channel=Channel.CHAT, preferred=None):
    return Interaction(id=i, queue_id=q, channel=channel, enqueued_at=at,
                       preferred_agent_id=preferred)


def kinds(events):
    return [type(e).__name__ for e in events]


def test_arrival_is_offered_accepted_and_completed_with_wrap_up():
    r = Router({1: Queue(id=1, required_skills={"s": 1})})
    r.add_agent(agent(7), now=0)
    events = r.enqueue(item(1, at=1), now=1)
    assert kinds(events) == ["Enqueued", "Offered"]
    assert r.accept(1, now=3) == [Accepted(1, 7, 1, 3, waited_s=2)]
    done = r.complete(1, now=63, wrap_up_s=10)
    assert done == [Completed(1, 7, 63, handle_s=60)]
    assert r.enqueue(item(2, at=64), now=64) == [Enqueued(2, 1, 64)]  # agent in wrap-up
    assert r.next_deadline() == 73
    assert kinds(r.advance(73)) == ["Offered"]


def test_widening_lets_lower_proficiency_take_it_after_waiting():
    q = Queue(id=1, required_skills={"s": 4},
              widening=(WideningStep(after_s=30, min_proficiency=2),
                        WideningStep(after_s=60, min_proficiency=1)))
    r = Router({1: q})
    r.add_agent(agent(1, skill=1), now=0)
    r.add_agent(agent(2, skill=2), now=0)
    assert kinds(r.enqueue(item(9), now=0)) == ["Enqueued"]
    assert r.advance(29) == []
    offered = r.advance(30)
    assert offered == [Offered(9, 2, 1, 30)]


def test_widening_overflow_moves_to_another_queue_keeping_its_age():
    q1 = Queue(id=1, required_skills={"s": 5}, widening=(WideningStep(120, overflow_queue_id=2),))
    q2 = Queue(id=2, required_skills={"s": 1})
    r = Router({1: q1, 2: q2})
    r.add_agent(agent(3, skill=1), now=0)
    r.enqueue(item(1), now=0)
    events = r.advance(120)
    assert kinds(events) == ["Overflowed", "Enqueued", "Offered"]
    assert events[0] == Overflowed(1, 1, OverflowKind.QUEUE, 120, "widening", 2)
    assert r.accept(1, now=121)[0].waited_s == 121


def test_sticky_agent_is_waited_for_then_the_queue_takes_over():
    r = Router({1: Queue(id=1, required_skills={}, sticky_s=20)})
    r.add_agent(agent(1, state=AgentState(AgentStatus.AUX, "break")), now=0)
    r.add_agent(agent(2), now=0)
    assert kinds(r.enqueue(item(5, preferred=1), now=0)) == ["Enqueued"]  # held for agent 1
    assert r.waiting_count(1) == 1
    assert r.advance(20) == [Offered(5, 2, 1, 20)]


def test_sticky_agent_gets_it_when_they_come_back_in_time():
    r = Router({1: Queue(id=1, required_skills={}, sticky_s=60)})
    r.add_agent(agent(1, state=AgentState(AgentStatus.AUX, "break")), now=0)
    r.add_agent(agent(2), now=0)
    r.enqueue(item(5, preferred=1), now=0)
    events = r.change_status(1, AgentStatus.AVAILABLE, now=10)
    assert events == [Offered(5, 1, 1, 10)]


def test_max_waiting_and_max_wait_overflow():
    q = Queue(id=1, required_skills={"x": 1}, max_waiting=2, max_wait_s=90,
              overflow=OverflowAction(OverflowKind.CALLBACK))
    r = Router({1: q})
    r.enqueue(item(1), now=0)
    r.enqueue(item(2), now=1)
    full = r.enqueue(item(3), now=2)
    assert full == [Overflowed(3, 1, OverflowKind.CALLBACK, 2, "max_waiting")]
    late = r.advance(90)
    assert late == [Overflowed(1, 1, OverflowKind.CALLBACK, 90, "max_wait")]
    assert r.state_of(1) == "done"
    assert r.waiting_count(1) == 1


def test_closed_queue_applies_the_closed_action():
    q = Queue(id=1, closed_action=OverflowAction(OverflowKind.MESSAGE, message="cerrado"))
    r = Router({1: q})
    assert r.enqueue(item(1), now=0, queue_open=False) == [
        Overflowed(1, 1, OverflowKind.MESSAGE, 0, "closed")]


def test_rona_sets_agent_not_ready_and_work_goes_to_next_agent_first():
    r = Router({1: Queue(id=1)})
    r.add_agent(agent(1, chat=1, idle=0), now=0)
    r.add_agent(agent(2, chat=1, idle=5), now=0)
    r.enqueue(item(1, at=0), now=0)
    r.add_agent(agent(3, chat=1, idle=9), now=0)
    assert r.agent_of(1) == 1
    r.enqueue(item(2, at=1), now=1)  # goes to agent 2
    events = r.time_out(1, now=30)
    assert isinstance(events[0], TimedOut)
    assert events[1] == Offered(1, 3, 1, 30)
    assert r.agent_state(1).reason == "rona"


def test_reject_excludes_the_agent_unless_nobody_else_is_free():
    r = Router({1: Queue(id=1)})
    r.add_agent(agent(1, chat=1), now=0)
    r.enqueue(item(1), now=0)
    events = r.reject(1, now=2)
    assert kinds(events) == ["Rejected", "Offered"]  # nobody else: back to the same agent
    r.add_agent(agent(2, chat=1), now=3)
    events = r.reject(1, now=4)
    assert events[-1] == Offered(1, 2, 1, 4)


def test_a_call_blocks_everything_and_chats_do_not_block_email():
    r = Router({1: Queue(id=1), 2: Queue(id=2), 3: Queue(id=3)})
    r.add_agent(agent(1, chat=2, voice=1, email=1), now=0)
    r.enqueue(item(1, q=1, channel=Channel.VOICE), now=0)
    r.accept(1, now=0)
    assert kinds(r.enqueue(item(2, q=2), now=1)) == ["Enqueued"]
    assert kinds(r.enqueue(item(3, q=3, channel=Channel.EMAIL), now=1)) == ["Enqueued"]
    events = r.complete(1, now=10)
    assert sorted(e.interaction_id for e in events if isinstance(e, Offered)) == [2, 3]
    assert kinds(r.enqueue(item(4, q=2, channel=Channel.VOICE), now=11)) == ["Enqueued"]


def test_abandon_while_offered_frees_the_agent():
    r = Router({1: Queue(id=1)})
    r.add_agent(agent(1, chat=1), now=0)
    r.enqueue(item(1), now=0)
    r.enqueue(item(2, at=1), now=1)
    events = r.abandon(1, now=5)
    assert events[0] == Abandoned(1, 1, 5, waited_s=5)
    assert events[1] == Offered(2, 1, 1, 5)
    with pytest.raises(RoutingError):
        r.abandon(1, now=6)
    with pytest.raises(RoutingError):
        r.accept(1, now=6)


def test_duplicate_enqueue_and_unknown_queue_are_refused():
    r = Router({1: Queue(id=1)})
    r.enqueue(item(1), now=0)
    with pytest.raises(RoutingError):
        r.enqueue(item(1), now=1)
    with pytest.raises(RoutingError):
        r.enqueue(item(2, q=99), now=1)
