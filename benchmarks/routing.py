"""Steady-state throughput and latency of the routing kernel (pure Python, one core).

    python benchmarks/routing.py --agents 10000 --queues 500 --skills 50 --json

Agents come from a few hundred skill profiles (as in a real BPO: teams share skill sets); each
queue requires one or two skills. Arrivals keep the center about 90 % busy; every offer is
accepted and completed after a random handle time. Each router call (arrival, accept,
completion) is one decision; its latency is measured around the call only.
"""

from __future__ import annotations

import argparse
import heapq
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit
from contacta.core.routing.events import Offered
from contacta.core.routing.model import (
    Agent,
    AgentState,
    AgentStatus,
    Channel,
    Interaction,
    Queue,
    SelectionPolicy,
)
from contacta.core.routing.router import Router


def build(args: argparse.Namespace, rng: random.Random) -> tuple[Router, list[int]]:
    skills = [f"s{i}" for i in range(args.skills)]
    policies = list(SelectionPolicy)
    queues = {}
    for q in range(args.queues):
        needed = rng.sample(skills, rng.choice([1, 1, 2]))
        queues[q] = Queue(id=q, required_skills={s: rng.randint(1, 3) for s in needed},
                          priority=rng.randint(1, 10), policy=rng.choice(policies),
                          aging_per_minute=rng.choice([0.0, 0.5]))
    profiles = [{s: rng.randint(1, 5) for s in rng.sample(skills, rng.randint(3, 8))}
                for _ in range(args.profiles)]
    router = Router(queues, seed=1, agent_ids=range(args.agents))
    for a in range(args.agents):
        router.add_agent(Agent(id=a, state=AgentState(AgentStatus.AVAILABLE),
                               skills=rng.choice(profiles), capacity={Channel.CHAT: 1}), now=0.0)
    served = [q for q in queues if any(
        all(p.get(s, 0) >= n for s, n in queues[q].required_skills.items()) for p in profiles)]
    return router, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10000)
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--skills", type=int, default=50)
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--decisions", type=int, default=300_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    router, served = build(args, rng)
    aht = 300.0
    arrival_rate = 0.9 * args.agents / aht  # 90 % occupancy
    now = 0.0
    next_id = 0
    completions: list[tuple[float, int]] = []
    latencies: list[int] = []
    busy_ns = 0
    pending_accepts: list[int] = []
    warmup = args.decisions // 5

    def timed(call, *a, **kw):  # type: ignore[no-untyped-def]
        nonlocal busy_ns
        start = time.perf_counter_ns()
        result = call(*a, **kw)
        spent = time.perf_counter_ns() - start
        latencies.append(spent)
        busy_ns += spent
        return result

    next_arrival = rng.expovariate(arrival_rate)
    warming = True
    while len(latencies) < (warmup if warming else args.decisions):
        if warming and len(latencies) == warmup - 1:
            warming = False  # measure the steady state only
            latencies.clear()
            busy_ns = 0
        if pending_accepts:
            interaction = pending_accepts.pop()
            timed(router.accept, interaction, now)
            heapq.heappush(completions, (now + rng.expovariate(1 / aht), interaction))
            continue
        if completions and completions[0][0] < next_arrival:
            now, interaction = heapq.heappop(completions)
            events = timed(router.complete, interaction, now)
        else:
            now = next_arrival
            next_arrival = now + rng.expovariate(arrival_rate)
            next_id += 1
            events = timed(router.enqueue, Interaction(
                id=next_id, queue_id=rng.choice(served), channel=Channel.CHAT, enqueued_at=now), now)
        pending_accepts.extend(e.interaction_id for e in events if isinstance(e, Offered))
    latencies.sort()
    count = len(latencies)
    report = {
        "agents": args.agents, "queues": args.queues, "skills": args.skills,
        "profiles": args.profiles, "decisions": count,
        "decisions_per_s": round(count / (busy_ns / 1e9)),
        "p50_us": round(latencies[count // 2] / 1000, 2),
        "p99_us": round(latencies[int(count * 0.99)] / 1000, 2),
        "max_us": round(latencies[-1] / 1000, 2),
        "waiting_at_end": sum(router.waiting_count(q) for q in router.queues),
    }
    emit(report, args.json)


if __name__ == "__main__":
    main()
