"""The stateful routing kernel: events in, decisions (as events) out, in O(log n) per decision.

Agents with the same skills form a *group*; each group keeps, per channel, heaps of its free
agents ordered by each selection policy's key. A queue knows which groups are eligible at each
widening level, so placing work looks at a few heap heads instead of every agent. Waiting work
sits in one heap per queue ordered by effective priority (priority + boost + aging x minutes
waited — within one queue that order never changes with time, so a heap holds it), FIFO within
equal priority. Heaps use lazy deletion: an entry carries the version of its record and is
ignored once the record has moved on.

Pure: no I/O, no clock reads; `now` is a parameter and ties are broken by a seed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contacta.core.routing.agent_states import OfferTimedOut, SetStatus, transition
from contacta.core.routing.events import (
    Abandoned,
    Accepted,
    Completed,
    Enqueued,
    Offered,
    Overflowed,
    Rejected,
    RoutingEvent,
    TimedOut,
)
from contacta.core.routing.model import (
    EXCLUSIVE_CHANNELS,
    Agent,
    AgentState,
    AgentStatus,
    Channel,
    Interaction,
    OverflowAction,
    OverflowKind,
    Queue,
    SelectionPolicy,
)
from contacta.core.routing.policies import tie_breaker

NEW, WAITING, HELD, OFFERED, ASSIGNED, DONE = "new", "waiting", "held", "offered", "assigned", "done"

# Heap key kinds kept per (group, channel); a policy reads one of them.
IDLE, ROUND_ROBIN, OCCUPANCY = "idle", "rr", "occ"
POLICY_KEY = {
    SelectionPolicy.LONGEST_IDLE: IDLE,
    SelectionPolicy.MOST_SKILLED: IDLE,  # skills are equal inside a group: groups rank first
    SelectionPolicy.ROUND_ROBIN: ROUND_ROBIN,
    SelectionPolicy.LEAST_OCCUPIED: OCCUPANCY,
}


def _blends_exclusive(agent: Agent) -> bool:
    """Whether a call can block other work for this agent (or other work block a call)."""
    channels = {c for c, n in agent.capacity.items() if n > 0}
    channels |= {c for c, n in agent.load.items() if n > 0}
    return len(channels) > 1 and any(c in EXCLUSIVE_CHANNELS for c in channels)


class RoutingError(ValueError):
    """An event that does not fit the current state (unknown id, wrong state)."""


@dataclass(slots=True)
class _Group:
    skills: dict[str, int]
    members: set[int] = field(default_factory=set)
    heaps: dict[tuple[Channel, str], list[tuple[Any, ...]]] = field(default_factory=dict)


@dataclass(slots=True)
class _Agent:
    id: int
    state: AgentState
    skills: dict[str, int]
    capacity: dict[Channel, int]
    load: dict[Channel, int]
    idle_since: float
    last_offer_at: float
    tie: int
    group: _Group
    version: int = 0
    held: list[int] = field(default_factory=list)  # sticky work waiting for this agent
    # Capacity on two or more channels, one of which (a call) blocks the others.
    blends_exclusive: bool = False

    def available(self, now: float) -> bool:
        state = self.state
        return state.status is AgentStatus.AVAILABLE and (
            state.wrap_up_until is None or now >= state.wrap_up_until)

    def free(self, channel: Channel) -> int:
        load = self.load
        if not self.blends_exclusive:
            return self.capacity.get(channel, 0) - load.get(channel, 0)
        for other in EXCLUSIVE_CHANNELS:
            if other != channel and load.get(other, 0) > 0:
                return 0
        if channel in EXCLUSIVE_CHANNELS and any(v > 0 for c, v in load.items() if c != channel):
            return 0
        return self.capacity.get(channel, 0) - load.get(channel, 0)

    def occupancy(self) -> float:
        total = sum(self.capacity.values())
        return sum(self.load.values()) / total if total else 1.0

    def key(self, kind: str) -> tuple[float, ...]:
        if kind == IDLE:
            return (self.idle_since, self.tie)
        if kind == ROUND_ROBIN:
            return (self.last_offer_at, self.tie)
        return (self.occupancy(), self.idle_since, self.tie)


@dataclass(slots=True)
class _Item:
    id: int
    queue_id: int
    channel: Channel
    enqueued_at: float
    queue_entered_at: float
    boost: int
    excluded: set[int]
    preferred: int | None
    preferred_until: float | None = None
    state: str = NEW
    agent_id: int | None = None
    accepted_at: float | None = None
    version: int = 0


class Router:
    """One tenant's routing state. Every public method returns the events it caused."""

    def __init__(self, queues: Mapping[int, Queue], *, seed: int = 0,
                 agent_ids: Iterable[int] = ()) -> None:
        self.queues: dict[int, Queue] = dict(queues)
        self.seed = seed
        self._ties = tie_breaker(list(agent_ids), seed)
        self._agents: dict[int, _Agent] = {}
        self._groups: dict[tuple[tuple[str, int], ...], _Group] = {}
        self._items: dict[int, _Item] = {}
        self._queue_heaps: dict[int, list[tuple[float, float, int, int]]] = {
            q: [] for q in self.queues}
        self._waiting_count: dict[int, int] = dict.fromkeys(self.queues, 0)
        self._eligible_cache: dict[tuple[int, int], list[_Group]] = {}
        self._group_queues_cache: dict[int, list[tuple[int, int, list[Any]]]] = {}
        self._timers: list[tuple[float, int, str, int, int]] = []  # (at, seq, kind, id, ver)
        self._timer_seq = 0
        self._kinds = {POLICY_KEY[q.policy] for q in self.queues.values()} | {IDLE}
        self._score_cache: dict[tuple[int, int], int] = {}
        self._heap_cache: dict[tuple[int, int, Channel, str],
                               list[tuple[_Group, list[tuple[Any, ...]]]]] = {}

    # ----- configuration ---------------------------------------------------------------------

    def add_agent(self, agent: Agent, now: float, *, serve: bool = True) -> list[RoutingEvent]:
        """Register an agent (skills, capacity, state, current load) and give them work."""
        skills = dict(agent.skills)
        key = tuple(sorted(skills.items()))
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(skills=skills)
            # Every heap exists from the start, so lookups can be cached by reference.
            group.heaps = {(c, kind): [] for c in Channel for kind in (IDLE, ROUND_ROBIN, OCCUPANCY)}
            self._eligible_cache.clear()
            self._heap_cache.clear()
            self._group_queues_cache.clear()
        if agent.id not in self._ties:
            # Agents added later get a seed-determined rank too (Knuth's multiplicative hash).
            self._ties[agent.id] = (agent.id * 2654435761 + self.seed * 40503) % 2**32
        rec = _Agent(id=agent.id, state=agent.state, skills=skills, capacity=dict(agent.capacity),
                     load=dict(agent.load), idle_since=agent.idle_since,
                     last_offer_at=agent.last_offer_at, tie=self._ties[agent.id], group=group,
                     blends_exclusive=_blends_exclusive(agent))
        self._agents[agent.id] = rec
        group.members.add(agent.id)
        if rec.state.wrap_up_until is not None and rec.state.wrap_up_until > now:
            self._timer(rec.state.wrap_up_until, "wrap", agent.id, 0)
        self._publish(rec, now)
        return self._serve(rec, now) if serve else []

    def set_agent_state(self, agent_id: int, state: AgentState, now: float) -> list[RoutingEvent]:
        """The shell applied a state change (via agent_states.transition); route accordingly."""
        rec = self._agent(agent_id)
        rec.state = state
        if state.wrap_up_until is not None and state.wrap_up_until > now:
            self._timer(state.wrap_up_until, "wrap", agent_id, 0)
        self._publish(rec, now)
        return self._serve(rec, now)

    def change_status(self, agent_id: int, status: AgentStatus, now: float,
                      reason: str = "") -> list[RoutingEvent]:
        """Convenience: run the state machine, then route."""
        rec = self._agent(agent_id)
        new_state, _ = transition(rec.state, SetStatus(status, reason), now)
        return self.set_agent_state(agent_id, new_state, now)

    # ----- interactions -------------------------------------------------------------------

    def restore_waiting(self, item: Interaction) -> None:
        """Load work that is already waiting (a snapshot); `dispatch` then places it."""
        if item.queue_id not in self.queues:
            raise RoutingError(f"unknown queue {item.queue_id}")
        rec = _Item(id=item.id, queue_id=item.queue_id, channel=item.channel,
                    enqueued_at=item.enqueued_at,
                    queue_entered_at=item.queue_entered_at if item.queue_entered_at is not None
                    else item.enqueued_at,
                    boost=item.priority_boost, excluded=set(item.excluded_agent_ids),
                    preferred=item.preferred_agent_id, preferred_until=item.preferred_until)
        self._items[item.id] = rec
        self._push_waiting(rec)
        self._schedule_item_timers(rec, self.queues[item.queue_id])

    def enqueue(self, item: Interaction, now: float, *,
                queue_open: bool = True) -> list[RoutingEvent]:
        """New work arrives in a queue: enqueue (or overflow), then place it if anyone is free."""
        if item.id in self._items and self._items[item.id].state != DONE:
            raise RoutingError(f"interaction {item.id} is already routed")
        queue = self.queues.get(item.queue_id)
        if queue is None:
            raise RoutingError(f"unknown queue {item.queue_id}")
        rec = _Item(id=item.id, queue_id=item.queue_id, channel=item.channel,
                    enqueued_at=item.enqueued_at,
                    queue_entered_at=item.queue_entered_at if item.queue_entered_at is not None
                    else now,
                    boost=item.priority_boost, excluded=set(item.excluded_agent_ids),
                    preferred=item.preferred_agent_id)
        self._items[item.id] = rec
        events: list[RoutingEvent] = []
        if not queue_open and queue.closed_action is not None:
            return self._overflow(rec, queue.closed_action, now, "closed", enqueued=False)
        if queue.max_waiting is not None and self._waiting_count[queue.id] >= queue.max_waiting:
            action = queue.overflow or OverflowAction(OverflowKind.MESSAGE)
            return self._overflow(rec, action, now, "max_waiting", enqueued=False)
        events.append(Enqueued(item.id, item.queue_id, now))
        if rec.preferred is not None and queue.sticky_s > 0:
            rec.preferred_until = now + queue.sticky_s
        self._schedule_item_timers(rec, queue)
        events.extend(self._place(rec, now))
        return events

    def accept(self, interaction_id: int, now: float) -> list[RoutingEvent]:
        rec = self._item(interaction_id, OFFERED)
        assert rec.agent_id is not None
        rec.state = ASSIGNED
        rec.accepted_at = now
        return [Accepted(rec.id, rec.agent_id, rec.queue_id, now, now - rec.enqueued_at)]

    def reject(self, interaction_id: int, now: float) -> list[RoutingEvent]:
        rec = self._item(interaction_id, OFFERED)
        agent = self._release(rec, now)
        events: list[RoutingEvent] = [Rejected(rec.id, agent.id, now)]
        events.extend(self._requeue(rec, agent, now))
        events.extend(self._serve(agent, now))
        return events

    def time_out(self, interaction_id: int, now: float) -> list[RoutingEvent]:
        """RONA: the agent goes not-ready, the interaction goes back ahead of newer work."""
        rec = self._item(interaction_id, OFFERED)
        agent = self._release(rec, now)
        agent.state, _ = transition(agent.state, OfferTimedOut(), now)
        self._publish(agent, now)
        events: list[RoutingEvent] = [TimedOut(rec.id, agent.id, now)]
        events.extend(self._requeue(rec, agent, now))
        return events

    def complete(self, interaction_id: int, now: float,
                 wrap_up_s: float = 0.0) -> list[RoutingEvent]:
        rec = self._item(interaction_id, ASSIGNED)
        agent = self._release(rec, now, publish=False)  # published once, below
        rec.state = DONE
        events: list[RoutingEvent] = [Completed(rec.id, agent.id, now,
                                                now - (rec.accepted_at or now))]
        if sum(agent.load.values()) == 0:
            agent.idle_since = now
        if wrap_up_s > 0 and agent.state.status is not AgentStatus.OFFLINE:
            until = max(now + wrap_up_s, agent.state.wrap_up_until or 0.0)
            agent.state = AgentState(agent.state.status, agent.state.reason, agent.state.since,
                                     until)
            self._timer(until, "wrap", agent.id, 0)
        self._publish(agent, now)
        events.extend(self._serve(agent, now))
        return events

    def abandon(self, interaction_id: int, now: float) -> list[RoutingEvent]:
        """The customer left before an agent took the work."""
        rec = self._items.get(interaction_id)
        if rec is None or rec.state not in (WAITING, HELD, OFFERED):
            raise RoutingError(f"interaction {interaction_id} is not waiting")
        events: list[RoutingEvent] = [Abandoned(rec.id, rec.queue_id, now,
                                                now - rec.enqueued_at)]
        agent = self._release(rec, now) if rec.state == OFFERED else None
        self._leave_waiting(rec)
        rec.state = DONE
        if agent is not None:
            events.extend(self._serve(agent, now))
        return events

    # ----- time ------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When `advance` next has something to do (wrap-up end, widening, sticky, max wait)."""
        while self._timers and not self._timer_live(self._timers[0]):
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def advance(self, now: float, *, place: bool = True) -> list[RoutingEvent]:
        """Apply everything due by `now`. With place=False widened work is not offered here:
        a following `dispatch` offers it in global priority order."""
        events: list[RoutingEvent] = []
        while self._timers and self._timers[0][0] <= now:
            at, _, kind, target, version = heapq.heappop(self._timers)
            if not self._timer_live((at, 0, kind, target, version)):
                continue
            events.extend(self._fire(kind, target, at, now, place=place))
        return events

    def dispatch(self, now: float) -> list[RoutingEvent]:
        """A full pass in global priority order (loading a snapshot; recovery)."""
        events: list[RoutingEvent] = []
        waiting = [r for r in self._items.values() if r.state == WAITING]
        waiting.sort(key=lambda r: (-self._effective(r, now), r.enqueued_at, r.id))
        for rec in waiting:
            agent = self._find_agent(rec, now)
            if agent is not None:
                events.append(self._offer(rec, agent, now))
        return events

    # ----- reads (for the shell, tests and the simulator) --------------------------------

    def state_of(self, interaction_id: int) -> str:
        return self._items[interaction_id].state

    def agent_of(self, interaction_id: int) -> int | None:
        return self._items[interaction_id].agent_id

    def waiting_count(self, queue_id: int) -> int:
        return self._waiting_count[queue_id]

    def agent_load(self, agent_id: int) -> dict[Channel, int]:
        return dict(self._agents[agent_id].load)

    def agent_state(self, agent_id: int) -> AgentState:
        return self._agents[agent_id].state

    def queue_order(self, queue_id: int, now: float) -> list[int]:
        items = [r for r in self._items.values()
                 if r.queue_id == queue_id and r.state in (WAITING, HELD)]
        items.sort(key=lambda r: (-self._effective(r, now), r.enqueued_at, r.id))
        return [r.id for r in items]

    # ----- internals: placement -------------------------------------------------------

    def _effective(self, rec: _Item, now: float) -> float:
        queue = self.queues[rec.queue_id]
        waited_min = max(0.0, now - rec.enqueued_at) / 60.0
        return queue.priority + rec.boost + queue.aging_per_minute * waited_min

    def _level(self, rec: _Item, now: float) -> int:
        if not self.queues[rec.queue_id].widening:
            return 0
        level = 0
        waited = now - rec.queue_entered_at
        for step in self.queues[rec.queue_id].widening:
            if waited >= step.after_s and step.min_proficiency is not None:
                level += 1
            elif waited < step.after_s:
                break
        return level

    def _min_levels(self, queue: Queue, level: int) -> dict[str, int]:
        wide = [s for s in queue.widening if s.min_proficiency is not None][:level]
        if not wide:
            return dict(queue.required_skills)
        floor = wide[-1].min_proficiency or 1
        return {skill: min(need, floor) for skill, need in queue.required_skills.items()}

    def _eligible(self, queue_id: int, level: int) -> list[_Group]:
        key = (queue_id, level)
        groups = self._eligible_cache.get(key)
        if groups is None:
            need = self._min_levels(self.queues[queue_id], level)
            groups = [g for g in self._groups.values()
                      if all(g.skills.get(s, 0) >= n for s, n in need.items())]
            self._eligible_cache[key] = groups
        return groups

    def _group_queues(self, group: _Group) -> list[tuple[int, int, list[Any]]]:
        """(queue id, first widening level at which this group is eligible, the queue's heap)."""
        cached = self._group_queues_cache.get(id(group))
        if cached is None:
            cached = []
            for queue in self.queues.values():
                levels = 1 + sum(1 for s in queue.widening if s.min_proficiency is not None)
                for level in range(levels):
                    need = self._min_levels(queue, level)
                    if all(group.skills.get(s, 0) >= n for s, n in need.items()):
                        cached.append((queue.id, level, self._queue_heaps[queue.id]))
                        break
            self._group_queues_cache[id(group)] = cached
        return cached

    def _heap_head(self, group: _Group, channel: Channel, kind: str, now: float,
                   skip: set[int] | None = None) -> tuple[Any, ...] | None:
        """The best valid entry (key..., version, agent) of a group's heap, stale ones dropped."""
        heap = group.heaps.get((channel, kind))
        if not heap:
            return None
        parked: list[tuple[Any, ...]] = []
        found: tuple[Any, ...] | None = None
        while heap:
            entry = heap[0]
            agent: _Agent = entry[-1]
            if (agent.version != entry[-2] or not agent.available(now)
                    or agent.free(channel) <= 0):
                heapq.heappop(heap)  # stale for good: the agent has moved on
                continue
            if skip and agent.id in skip:
                parked.append(heapq.heappop(heap))
                continue
            found = entry
            break
        for entry in parked:
            heapq.heappush(heap, entry)
        return found

    def _skill_score(self, group: _Group, queue: Queue) -> int:
        key = (id(group), queue.id)
        score = self._score_cache.get(key)
        if score is None:
            score = self._score_cache[key] = sum(group.skills.get(s, 0)
                                                 for s in queue.required_skills)
        return score

    def _find_agent(self, rec: _Item, now: float) -> _Agent | None:
        queue = self.queues[rec.queue_id]
        if rec.preferred is not None and rec.preferred_until is not None and (
                now < rec.preferred_until):
            preferred = self._agents.get(rec.preferred)
            if preferred is not None and preferred.available(now) and preferred.free(
                    rec.channel) > 0:
                return preferred
            return None  # still waiting for the preferred agent
        kind = POLICY_KEY[queue.policy]
        level = self._level(rec, now)
        channel = rec.channel
        cache_key = (rec.queue_id, level, channel, kind)
        pairs = self._heap_cache.get(cache_key)
        if pairs is None:
            pairs = self._heap_cache[cache_key] = [
                (g, g.heaps[(channel, kind)]) for g in self._eligible(rec.queue_id, level)]
        skilled = queue.policy is SelectionPolicy.MOST_SKILLED
        for skip in ((rec.excluded or None), None):
            best: tuple[Any, ...] | None = None
            for group, heap in pairs:
                if not heap:
                    continue
                # Hot path: an entry whose version is the agent's current one was pushed when
                # the agent was available and free on this channel, and every change since
                # would have bumped the version (see _publish).
                entry = heap[0]
                if entry[-1].version != entry[-2] or skip is not None:
                    found = self._heap_head(group, channel, kind, now, skip)
                    if found is None:
                        continue
                    entry = found
                if skilled:  # more skilled groups first, then the policy key inside
                    entry = (-self._skill_score(group, queue), *entry)
                if best is None or entry < best:
                    best = entry
            if best is not None:
                return best[-1]
            if skip is None:
                break
        return None

    def _offer(self, rec: _Item, agent: _Agent, now: float) -> Offered:
        self._leave_waiting(rec)
        rec.state = OFFERED
        rec.agent_id = agent.id
        rec.version += 1
        agent.load[rec.channel] = agent.load.get(rec.channel, 0) + 1
        agent.last_offer_at = now
        agent.idle_since = now
        self._publish(agent, now)
        return Offered(rec.id, agent.id, rec.queue_id, now)

    def _place(self, rec: _Item, now: float) -> list[RoutingEvent]:
        agent = self._find_agent(rec, now)
        if agent is not None:
            return [self._offer(rec, agent, now)]
        if rec.preferred is not None and rec.preferred_until is not None and (
                now < rec.preferred_until) and rec.preferred in self._agents:
            rec.state = HELD
            rec.version += 1
            self._waiting_count[rec.queue_id] += 1
            self._agents[rec.preferred].held.append(rec.id)
            self._timer(rec.preferred_until, "sticky", rec.id, rec.version)
            return []
        self._push_waiting(rec)
        return []

    def _push_waiting(self, rec: _Item) -> None:
        queue = self.queues[rec.queue_id]
        rec.state = WAITING
        rec.version += 1
        self._waiting_count[rec.queue_id] += 1
        static = -(rec.boost + queue.aging_per_minute * (-rec.enqueued_at) / 60.0)
        heapq.heappush(self._queue_heaps[rec.queue_id],
                       (static, rec.enqueued_at, rec.id, rec.version))

    def _leave_waiting(self, rec: _Item) -> None:
        if rec.state in (WAITING, HELD):
            self._waiting_count[rec.queue_id] -= 1
            if rec.state == HELD and rec.preferred in self._agents:
                held = self._agents[rec.preferred].held
                if rec.id in held:
                    held.remove(rec.id)
            rec.state = NEW
        rec.version += 1

    def _queue_head(self, queue_id: int) -> _Item | None:
        heap = self._queue_heaps[queue_id]
        while heap:
            _, _, item_id, version = heap[0]
            rec = self._items.get(item_id)
            if rec is None or rec.version != version or rec.state != WAITING or (
                    rec.queue_id != queue_id):
                heapq.heappop(heap)
                continue
            return rec
        return None

    def _serve(self, agent: _Agent, now: float) -> list[RoutingEvent]:
        """Give a newly free agent the best waiting work they may take, until they are full."""
        events: list[RoutingEvent] = []
        while agent.available(now):
            held = ([r for r in (self._items[i] for i in agent.held) if agent.free(r.channel) > 0]
                    if agent.held else None)
            if held:
                rec = min(held, key=lambda r: (r.enqueued_at, r.id))
                events.append(self._offer(rec, agent, now))
                continue
            best: tuple[tuple[float, float, int], _Item] | None = None
            for queue_id, level_needed, heap in self._group_queues(agent.group):
                if not heap:
                    continue
                head = self._queue_head(queue_id)
                if (head is None or agent.free(head.channel) <= 0 or agent.id in head.excluded
                        or self._level(head, now) < level_needed):
                    continue
                key = (-self._effective(head, now), head.enqueued_at, head.id)
                if best is None or key < best[0]:
                    best = (key, head)
            if best is None:
                break
            events.append(self._offer(best[1], agent, now))
        return events

    # ----- internals: bookkeeping -----------------------------------------------------------

    def _publish(self, agent: _Agent, now: float) -> None:
        """Record the agent's current keys in its group's heaps (older entries become stale)."""
        agent.version += 1
        if not agent.available(now):
            return
        heaps = agent.group.heaps
        version = agent.version
        for channel in agent.capacity:
            if agent.free(channel) <= 0:
                continue
            # Keys end with the agent's unique tie rank, so the agent object itself is never
            # compared.
            for kind in self._kinds:
                heap = heaps[(channel, kind)]
                if kind == IDLE:
                    heapq.heappush(heap, (agent.idle_since, agent.tie, version, agent))
                else:
                    heapq.heappush(heap, (*agent.key(kind), version, agent))

    def _release(self, rec: _Item, now: float, *, publish: bool = True) -> _Agent:
        assert rec.agent_id is not None
        agent = self._agents[rec.agent_id]
        agent.load[rec.channel] = max(0, agent.load.get(rec.channel, 0) - 1)
        if publish:
            self._publish(agent, now)
        return agent

    def _requeue(self, rec: _Item, agent: _Agent, now: float) -> list[RoutingEvent]:
        rec.excluded.add(agent.id)
        rec.agent_id = None
        rec.boost = max(rec.boost, 1)  # back ahead of newer work
        rec.preferred = None if rec.preferred == agent.id else rec.preferred
        return self._place(rec, now)

    def _overflow(self, rec: _Item, action: OverflowAction, now: float, reason: str, *,
                  enqueued: bool = True) -> list[RoutingEvent]:
        from_queue = rec.queue_id
        if enqueued:
            self._leave_waiting(rec)
        target = action.queue_id if action.kind is OverflowKind.QUEUE else None
        events: list[RoutingEvent] = [Overflowed(rec.id, from_queue, action.kind, now, reason,
                                                 target)]
        if target is not None and target in self.queues and target != from_queue:
            rec.queue_id = target
            rec.queue_entered_at = now
            events.append(Enqueued(rec.id, target, now))
            self._schedule_item_timers(rec, self.queues[target])
            events.extend(self._place(rec, now))
        else:
            rec.state = DONE
        return events

    def _schedule_item_timers(self, rec: _Item, queue: Queue) -> None:
        if not queue.widening and queue.max_wait_s is None:
            return
        for index, step in enumerate(queue.widening):
            self._timer(rec.queue_entered_at + step.after_s, f"widen:{index}", rec.id,
                        rec.queue_id)
        if queue.max_wait_s is not None:
            self._timer(rec.queue_entered_at + queue.max_wait_s, "maxwait", rec.id, rec.queue_id)

    def _timer(self, at: float, kind: str, target: int, version: int) -> None:
        self._timer_seq += 1
        heapq.heappush(self._timers, (at, self._timer_seq, kind, target, version))

    def _timer_live(self, timer: tuple[float, int, str, int, int]) -> bool:
        at, _, kind, target, version = timer
        if kind == "wrap":
            agent = self._agents.get(target)
            return agent is not None and agent.state.wrap_up_until == at
        rec = self._items.get(target)
        if rec is None or rec.state not in (WAITING, HELD):
            return False
        if kind == "sticky":
            return rec.state == HELD and rec.version == version
        return rec.queue_id == version  # widening and max-wait timers belong to one queue

    def _fire(self, kind: str, target: int, at: float, now: float, *,
              place: bool = True) -> list[RoutingEvent]:
        if kind == "wrap":
            agent = self._agents[target]
            agent.state = AgentState(agent.state.status, agent.state.reason, agent.state.since)
            self._publish(agent, now)
            return self._serve(agent, now)
        rec = self._items[target]
        queue = self.queues[rec.queue_id]
        if kind == "sticky":
            self._leave_waiting(rec)
            rec.preferred_until = None
            return self._place(rec, now)
        if kind == "maxwait":
            action = queue.overflow or OverflowAction(OverflowKind.MESSAGE)
            return self._overflow(rec, action, now, "max_wait")
        step = queue.widening[int(kind.split(":")[1])]
        if step.overflow_queue_id is not None:
            action = OverflowAction(OverflowKind.QUEUE, queue_id=step.overflow_queue_id)
            return self._overflow(rec, action, now, "widening")
        if rec.state == WAITING and place:
            found = self._find_agent(rec, now)
            if found is not None:
                return [self._offer(rec, found, now)]
        return []

    def _agent(self, agent_id: int) -> _Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise RoutingError(f"unknown agent {agent_id}")
        return agent

    def _item(self, interaction_id: int, expected: str) -> _Item:
        rec = self._items.get(interaction_id)
        if rec is None or rec.state != expected:
            raise RoutingError(f"interaction {interaction_id} is not {expected}")
        return rec
