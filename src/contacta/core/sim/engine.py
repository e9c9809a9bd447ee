"""One replication: Poisson (or intraday) arrivals, handle times, patience and shifts, with every
routing decision made by the real kernel (contacta.core.routing.router.Router)."""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from contacta.core.routing.events import Offered, RoutingEvent
from contacta.core.routing.model import (
    Agent,
    AgentState,
    AgentStatus,
    Interaction,
    Queue,
)
from contacta.core.routing.router import Router
from contacta.core.sim.scenario import QueueSpec, Scenario

ARRIVAL, COMPLETE, ABANDON, SHIFT_START, SHIFT_END = range(5)


@dataclass
class Tally:
    """Counts and sums for one queue in one report interval (by arrival time)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    within_target: int = 0
    wait_answered_s: float = 0.0
    handle_s: float = 0.0
    handled: int = 0


@dataclass
class RunResult:
    tallies: dict[tuple[int, int], Tally] = field(default_factory=lambda: defaultdict(Tally))
    busy_s: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    staffed_s: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    calls: int = 0


@dataclass(slots=True)
class _Call:
    queue: QueueSpec
    arrived: float
    interval: int
    counted: bool
    handle: float


class Simulation:
    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.router = Router({q.id: Queue(id=q.id, required_skills=q.required_skills,
                                          priority=q.priority, policy=q.policy)
                              for q in scenario.queues}, seed=seed)
        self.events: list[tuple[float, int, int, int]] = []  # (time, seq, kind, ref)
        self.seq = 0
        self.calls: dict[int, _Call] = {}
        self.result = RunResult()
        self.clock = 0.0
        self.busy_agents = 0
        self.staffed_agents = 0
        self.agent_specs: dict[int, tuple[int, int]] = {}  # agent id -> (group index, member)
        self.agent_load: dict[int, int] = defaultdict(int)

    def _schedule(self, at: float, kind: int, ref: int) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, ref))

    def _integrate(self, until: float) -> None:
        """Accumulate busy and staffed agent-seconds per report interval up to `until`."""
        width = self.scenario.report_interval_s
        t = self.clock
        while t < until:
            interval = int(t // width)
            end = min(until, (interval + 1) * width)
            span = end - t
            if span > 0:
                self.result.busy_s[interval] += self.busy_agents * span
                self.result.staffed_s[interval] += self.staffed_agents * span
            t = end
        self.clock = until

    def _next_arrival(self, queue: QueueSpec, after: float) -> None:
        """Poisson arrivals with a piecewise-constant rate (memoryless: restart at boundaries)."""
        t = after
        while t < self.scenario.duration_s:
            rate = queue.rate_at(t)
            boundary = (math.floor(t / queue.profile_interval_s) + 1) * queue.profile_interval_s \
                if queue.profile else math.inf
            if rate <= 0:
                if boundary == math.inf:
                    return
                t = boundary
                continue
            candidate = t + self.rng.expovariate(rate)
            if candidate < boundary:
                if candidate < self.scenario.duration_s:
                    self._schedule(candidate, ARRIVAL, queue.id)
                return
            t = boundary

    def run(self) -> RunResult:
        sc = self.scenario
        agent_id = 0
        for group_index, group in enumerate(sc.agents):
            for member in range(group.count):
                agent_id += 1
                self.agent_specs[agent_id] = (group_index, member)
                self._schedule(group.shift_start_s, SHIFT_START, agent_id)
                if math.isfinite(group.shift_end_s):
                    self._schedule(group.shift_end_s, SHIFT_END, agent_id)
        for queue in sc.queues:
            self._next_arrival(queue, 0.0)
        self.queues = {q.id: q for q in sc.queues}
        self.next_call = 0
        handlers = {ARRIVAL: self._on_arrival, COMPLETE: self._on_complete,
                    ABANDON: self._on_abandon, SHIFT_START: self._on_shift_start,
                    SHIFT_END: self._on_shift_end}
        while self.events:
            deadline = self.router.next_deadline()
            if deadline is not None and deadline <= self.events[0][0]:
                self._integrate(deadline)
                self._apply(self.router.advance(deadline), deadline)
                continue
            at, _, kind, ref = heapq.heappop(self.events)
            self._integrate(at)
            handlers[kind](at, ref)
        return self.result

    def _on_arrival(self, at: float, queue_id: int) -> None:
        queue = self.queues[queue_id]
        self._next_arrival(queue, at)
        self.next_call += 1
        counted = at >= self.scenario.warmup_s
        call = _Call(queue, at, int(at // self.scenario.report_interval_s), counted,
                     queue.handle.draw(self.rng))
        self.calls[self.next_call] = call
        if counted:
            self.result.tallies[(queue.id, call.interval)].offered += 1
            self.result.calls += 1
        if queue.patience is not None:
            self._schedule(at + queue.patience.draw(self.rng), ABANDON, self.next_call)
        self._apply(self.router.enqueue(Interaction(
            id=self.next_call, queue_id=queue.id, channel=queue.channel, enqueued_at=at), at), at)

    def _on_complete(self, at: float, ref: int) -> None:
        call = self.calls.pop(ref)
        agent = self.router.agent_of(ref)
        if agent is not None:
            self._release(agent)
        self._apply(self.router.complete(ref, at, wrap_up_s=call.queue.wrap_up_s), at)

    def _on_abandon(self, at: float, ref: int) -> None:
        if ref in self.calls and self.router.state_of(ref) in ("waiting", "held"):
            call = self.calls.pop(ref)
            if call.counted:
                self.result.tallies[(call.queue.id, call.interval)].abandoned += 1
            self._apply(self.router.abandon(ref, at), at)

    def _on_shift_start(self, at: float, ref: int) -> None:
        self.staffed_agents += 1
        group = self.scenario.agents[self.agent_specs[ref][0]]
        self._apply(self.router.add_agent(Agent(
            id=ref, state=AgentState(AgentStatus.AVAILABLE, since=at), skills=group.skills,
            capacity=group.capacity, idle_since=at), at), at)

    def _on_shift_end(self, at: float, ref: int) -> None:
        """No new work after the shift; what is in hand is finished."""
        self.staffed_agents -= 1
        self._apply(self.router.change_status(ref, AgentStatus.OFFLINE, at), at)

    def _release(self, agent: int) -> None:
        self.agent_load[agent] -= 1
        if self.agent_load[agent] == 0:
            self.busy_agents -= 1

    def _apply(self, events: list[RoutingEvent], now: float) -> None:
        """Agents answer every offer at once; the handle time starts."""
        for event in events:
            if not isinstance(event, Offered):
                continue
            call = self.calls[event.interaction_id]
            self.router.accept(event.interaction_id, now)
            if self.agent_load[event.agent_id] == 0:
                self.busy_agents += 1
            self.agent_load[event.agent_id] += 1
            wait = now - call.arrived
            if call.counted:
                tally = self.result.tallies[(call.queue.id, call.interval)]
                tally.answered += 1
                tally.wait_answered_s += wait
                tally.within_target += wait <= call.queue.target_s
                tally.handle_s += call.handle
                tally.handled += 1
            self._schedule(now + call.handle, COMPLETE, event.interaction_id)


def simulate(scenario: Scenario, seed: int) -> RunResult:
    """Run one replication of `scenario` with random stream `seed`."""
    return Simulation(scenario, seed).run()
