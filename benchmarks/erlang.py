"""Staffing with our Erlang C against pyworkforce, in the same run.

    python benchmarks/erlang.py --json

One large interval (60,000 calls per 30 minutes, AHT 300 s, 90 % in 20 s: 10,000 Erlangs) and a
day of 96 intervals x 50 queues of realistic sizes. Prints one JSON object: timings, their ratio,
whether the agent counts are identical, and the largest relative difference in service level.
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
from contacta.core.wfm.erlang import (
    erlang_c_agents_many,
    erlang_c_metrics,
    staffing,
)

Case = tuple[float, float, float, float]  # calls per interval, aht_s, target_sl, target_s
INTERVAL_S = 1800.0


def realistic_day(seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for _queue in range(50):
        peak = rng.uniform(20, 600)
        aht = rng.uniform(120, 600)
        target_sl, target_s = rng.choice([(0.8, 20.0), (0.8, 30.0), (0.9, 20.0), (0.7, 60.0)])
        for interval in range(96):
            # An intraday curve: quiet at night, two peaks in the day.
            hour = interval / 4
            shape = 0.05 + max(0.0, 1 - abs(hour - 11) / 5) + 0.7 * max(0.0, 1 - abs(hour - 17) / 3)
            cases.append((max(1.0, round(peak * shape)), aht, target_sl, target_s))
    return cases


def ours(cases: list[Case]) -> tuple[list[int], list[float], float]:
    """A forecast day is staffed in one vectorised call (numpy already loaded, as in a
    running service)."""
    erlang_c_agents_many([1.0], [60.0], [0.8], [20.0])  # load numpy outside the timing
    start = time.perf_counter()
    agents = erlang_c_agents_many([c * a / INTERVAL_S for c, a, _, _ in cases],
                                  [a for _, a, _, _ in cases], [sl for _, _, sl, _ in cases],
                                  [t for *_, t in cases])
    elapsed = (time.perf_counter() - start) * 1000
    levels = [erlang_c_metrics(c * a / INTERVAL_S, n, a, t).service_level
              for (c, a, _, t), n in zip(cases, agents, strict=True)]
    return agents, levels, elapsed


def ours_single(case: Case) -> tuple[int, float, float]:
    c, a, sl, t = case
    start = time.perf_counter()
    result = staffing(calls=c, interval_s=INTERVAL_S, aht_s=a, target_sl=sl, target_s=t)
    return result.agents, result.metrics.service_level, (time.perf_counter() - start) * 1000


def theirs(cases: list[Case]) -> tuple[list[int], list[float], float]:
    from pyworkforce.queuing import ErlangC

    start = time.perf_counter()
    agents, levels = [], []
    for c, a, sl, t in cases:
        # pyworkforce speaks minutes: AHT and the target time (its "asa") in minutes.
        result = ErlangC(transactions=c, aht=a / 60, asa=t / 60, interval=INTERVAL_S / 60,
                         shrinkage=0.0).required_positions(service_level=sl)
        agents.append(int(result["raw_positions"]))
        levels.append(float(result["service_level"]))
    return agents, levels, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    large: list[Case] = [(60000.0, 300.0, 0.9, 20.0)]
    day = realistic_day(args.seed)
    report: dict[str, object] = {"intervals": len(day)}
    our_agents, our_levels, our_ms = ours(day)
    their_agents, their_levels, their_ms = theirs(day)
    report.update({
        "ours_ms": round(our_ms, 2), "pyworkforce_ms": round(their_ms, 2),
        "ratio": round(their_ms / our_ms, 1),
        "identical_agents": our_agents == their_agents,
        "max_rel_error": max(abs(o - t) / t for o, t in zip(our_levels, their_levels, strict=True)),
    })
    big_agents, big_level, big_ms = ours_single(large[0])
    report.update({"large_erlangs": 10000, "large_agents": big_agents,
                   "large_service_level": round(big_level, 6), "large_ours_ms": round(big_ms, 2)})
    their_big, _, their_big_ms = theirs(large)
    report.update({"large_pyworkforce_agents": their_big[0],
                   "large_pyworkforce_ms": round(their_big_ms, 2),
                   "large_ratio": round(their_big_ms / big_ms, 1),
                   "identical_agents": report["identical_agents"] and their_big[0] == big_agents})
    # Headline figures: both workloads together.
    report["day_ours_ms"], report["day_pyworkforce_ms"] = report["ours_ms"], report["pyworkforce_ms"]
    report["ours_ms"] = round(our_ms + big_ms, 2)
    report["pyworkforce_ms"] = round(their_ms + their_big_ms, 2)
    report["ratio"] = round((their_ms + their_big_ms) / (our_ms + big_ms), 1)
    emit(report, args.json)


if __name__ == "__main__":
    main()
