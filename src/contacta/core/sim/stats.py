"""Replications -> per-queue, per-interval figures with confidence intervals (Student's t)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from contacta.core.sim.engine import RunResult, Tally
from contacta.core.sim.scenario import Scenario

# Two-sided Student t quantiles for 95 % and 99 % confidence, by degrees of freedom
# (standard tables, e.g. NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2).
T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
       2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
       2.056, 2.052, 2.048, 2.045, 2.042]
T99 = [63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169, 3.106, 3.055,
       3.012, 2.977, 2.947, 2.921, 2.898, 2.878, 2.861, 2.845, 2.831, 2.819, 2.807, 2.797, 2.787,
       2.779, 2.771, 2.763, 2.756, 2.750]


def t_quantile(df: int, confidence: float = 0.95) -> float:
    table, limit = (T99, 2.576) if confidence >= 0.99 else (T95, 1.960)
    return table[df - 1] if 1 <= df <= len(table) else limit


@dataclass(frozen=True)
class Estimate:
    mean: float
    half_width: float  # confidence half-width; NaN with a single replication

    def as_dict(self) -> dict[str, float | None]:
        return {"mean": _clean(self.mean), "ci": _clean(self.half_width)}

    def contains(self, value: float) -> bool:
        return abs(self.mean - value) <= self.half_width


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 6)


def estimate(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    data = [v for v in values if not math.isnan(v)]
    if not data:
        return Estimate(math.nan, math.nan)
    mean = math.fsum(data) / len(data)
    if len(data) < 2:
        return Estimate(mean, math.nan)
    var = math.fsum((v - mean) ** 2 for v in data) / (len(data) - 1)
    return Estimate(mean, t_quantile(len(data) - 1, confidence) * math.sqrt(var / len(data)))


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


METRICS: dict[str, Callable[[Tally], float]] = {
    "offered": lambda t: float(t.offered),
    "answered": lambda t: float(t.answered),
    "abandoned": lambda t: float(t.abandoned),
    # Over all arrivals: abandoned contacts count as failures (as in Erlang A).
    "service_level": lambda t: _ratio(t.within_target, t.offered),
    "abandon_rate": lambda t: _ratio(t.abandoned, t.offered),
    "asa_s": lambda t: _ratio(t.wait_answered_s, t.answered),
    "aht_s": lambda t: _ratio(t.handle_s, t.handled),
}


def _merge(tallies: Sequence[Tally]) -> Tally:
    total = Tally()
    for t in tallies:
        total.offered += t.offered
        total.answered += t.answered
        total.abandoned += t.abandoned
        total.within_target += t.within_target
        total.wait_answered_s += t.wait_answered_s
        total.handle_s += t.handle_s
        total.handled += t.handled
    return total


def summarize(scenario: Scenario, runs: Sequence[RunResult],
              confidence: float = 0.95) -> dict[str, object]:
    """Per queue: totals and per-interval rows; per interval: occupancy. Mean and CI each."""
    intervals = sorted({i for run in runs for (_, i) in run.tallies})

    def occupancy_of(interval: int | None) -> dict[str, float | None]:
        if interval is None:
            values = [_ratio(sum(run.busy_s.values()), sum(run.staffed_s.values()))
                      for run in runs]
        else:
            values = [_ratio(run.busy_s.get(interval, 0.0), run.staffed_s.get(interval, 0.0))
                      for run in runs]
        return estimate(values, confidence).as_dict()

    queues = []
    for queue in scenario.queues:
        per_run_total = [_merge([t for (q, _), t in run.tallies.items() if q == queue.id])
                         for run in runs]
        rows = []
        for interval in intervals:
            per_run = [run.tallies.get((queue.id, interval), Tally()) for run in runs]
            if not any(t.offered for t in per_run):
                continue
            rows.append({"interval": interval,
                         "start_s": interval * scenario.report_interval_s,
                         **{name: estimate([f(t) for t in per_run], confidence).as_dict()
                            for name, f in METRICS.items()},
                         # Agents are shared between queues: occupancy is the center's.
                         "occupancy": occupancy_of(interval)})
        queues.append({"queue": queue.name, "target_s": queue.target_s,
                       "total": {**{name: estimate([f(t) for t in per_run_total],
                                                   confidence).as_dict()
                                    for name, f in METRICS.items()},
                                 "occupancy": occupancy_of(None)},
                       "intervals": rows})
    occupancy = [{"interval": i, "start_s": i * scenario.report_interval_s,
                  "occupancy": occupancy_of(i)}
                 for i in sorted({i for run in runs for i in run.staffed_s})]
    return {"replications": len(runs), "confidence": confidence,
            "calls": sum(run.calls for run in runs), "queues": queues,
            "occupancy": {"total": occupancy_of(None), "intervals": occupancy}}
