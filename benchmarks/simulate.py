"""Our simulator (driving the real routing kernel) against a minimal SimPy M/M/N model.

    python benchmarks/simulate.py --json

The same M/M/N scenario in both: 100 Erlangs, 110 agents, AHT 180 s, 200,000 calls. Prints one
JSON object with both speeds, their ratio, both service levels (20 s target) and Erlang C's.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit
from contacta.core.sim.engine import simulate
from contacta.core.sim.scenario import scenario_from_dict
from contacta.core.sim.stats import summarize
from contacta.core.wfm.erlang import erlang_c_metrics

ERLANGS, AGENTS, AHT_S, TARGET_S = 100.0, 110, 180.0, 20.0


def ours(calls: int, seed: int) -> tuple[float, float, int]:
    rate_per_hour = ERLANGS / AHT_S * 3600
    duration = calls / (rate_per_hour / 3600)
    scenario = scenario_from_dict({
        "duration_s": duration, "report_interval_s": duration, "seed": seed,
        "queues": [{"rate_per_hour": rate_per_hour, "handle_s": AHT_S, "target_s": TARGET_S}],
        "agents": [{"count": AGENTS, "capacity": {"voice": 1}}]})
    start = time.perf_counter()
    run = simulate(scenario, seed)
    elapsed = time.perf_counter() - start
    total = summarize(scenario, [run])["queues"][0]["total"]
    return elapsed, float(total["service_level"]["mean"]), run.calls


def simpy_model(calls: int, seed: int) -> tuple[float, float, int]:
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    within = [0]
    done = [0]

    def customer(env: simpy.Environment) -> object:
        arrived = env.now
        with agents.request() as request:
            yield request
            if env.now - arrived <= TARGET_S:
                within[0] += 1
            yield env.timeout(rng.expovariate(1 / AHT_S))
            done[0] += 1

    def source(env: simpy.Environment) -> object:
        for _ in range(calls):
            yield env.timeout(rng.expovariate(ERLANGS / AHT_S))
            env.process(customer(env))

    env.process(source(env))
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start, within[0] / calls, done[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    our_s, our_sl, our_calls = ours(args.calls, args.seed)
    simpy_s, simpy_sl, simpy_calls = simpy_model(args.calls, args.seed)
    theory = erlang_c_metrics(ERLANGS, AGENTS, AHT_S, TARGET_S).service_level
    report = {
        "calls": args.calls,
        "ours_calls_per_s": round(our_calls / our_s),
        "simpy_calls_per_s": round(simpy_calls / simpy_s),
        "ratio": round((our_calls / our_s) / (simpy_calls / simpy_s), 2),
        "ours_service_level": round(our_sl, 4),
        "simpy_service_level": round(simpy_sl, 4),
        "erlang_c_service_level": round(theory, 4),
    }
    emit(report, args.json)


if __name__ == "__main__":
    main()
