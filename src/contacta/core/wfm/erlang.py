"""Erlang B, Erlang C and Erlang A (M/M/N+M), numerically stable up to tens of thousands of Erlangs.

Conventions: `erlangs` is the offered load A = arrival rate x mean handle time; `agents` (or
`lines`) is N; times are in seconds. No factorials are formed: Erlang B uses the stable recurrence
B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)) (Jagerman 1974), and Erlang A sums the birth-death
stationary distribution in log space.

Erlang A (Palm 1943; Garnett, Mandelbaum & Reiman 2002, "Designing a call center with impatient
customers") with exponential patience of mean P (rate t = 1/P) and service rate m = 1/AHT. For a
customer who arrives to find all N agents busy and j customers waiting ahead, the time until
service, ignoring their own patience, is a sum of exponentials with rates N m + k t (k = 0..j),
which is the (j+1)-th order statistic of c + j + 1 i.i.d. Exp(t) variables with c = N m / t
(Renyi's representation). Hence, with p = 1 - exp(-t T):
  P(served | j)               = c / (c + j + 1)
  P(served within T | j)      = c / (c + j + 1) * I_p(j + 1, c + 1)    (regularised beta)
  E[wait; served | j]         = c / (c + j + 1) * sum_{k=0..j} 1 / (t (c + k + 1))
Service level is over all arrivals: abandoners count as failures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

INFINITY = math.inf
_TAIL_EPS = 1e-18  # relative weight below which the queue tail is dropped


class ErlangInputError(ValueError):
    """A parameter is outside the domain of the formula."""


def _check(name: str, value: float, *, positive: bool = True) -> None:
    if value is None or not math.isfinite(value):
        raise ErlangInputError(f"{name} must be a finite number")
    if positive and value <= 0:
        raise ErlangInputError(f"{name} must be greater than zero")
    if not positive and value < 0:
        raise ErlangInputError(f"{name} must not be negative")


def _check_count(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ErlangInputError(f"{name} must be a whole number of at least 1")


def erlang_b_table(erlangs: float, max_lines: int) -> list[float]:
    """Blocking probability for 0..max_lines lines, in one stable pass."""
    table = [1.0]
    b = 1.0
    for n in range(1, max_lines + 1):
        b = erlangs * b / (n + erlangs * b)
        table.append(b)
    return table


def _climb_start(erlangs: float, lines: int) -> tuple[int, float]:
    """Where to start the recurrence for B(lines): far below A the map n -> B(n) contracts by
    about n/A per step, so starting 9 sqrt(A) below A from the fixed point 1 - n/A leaves an
    error below exp(-40) by the time n reaches A (see the module docstring)."""
    n0 = math.floor(erlangs - 9.0 * math.sqrt(erlangs))
    if n0 <= 0 or n0 >= lines:
        return 0, 1.0
    return n0, 1.0 - n0 / erlangs


def erlang_b(erlangs: float, lines: int) -> float:
    """Probability that an arrival finds all `lines` busy and is lost (M/M/N/N)."""
    _check("erlangs", erlangs, positive=False)
    _check_count("lines", lines)
    n, b = _climb_start(erlangs, lines)
    while n < lines:
        n += 1
        b = erlangs * b / (n + erlangs * b)
    return b


@dataclass(frozen=True)
class QueueMetrics:
    p_wait: float  # probability an arrival waits at all
    service_level: float  # answered within the target time, over all arrivals
    asa_s: float  # average speed of answer of answered contacts (infinite if unstable)
    occupancy: float  # share of agent time busy with contacts
    p_abandon: float = 0.0


def _erlang_c_from_b(b: float, erlangs: float, agents: int) -> float:
    return agents * b / (agents - erlangs * (1.0 - b))


def erlang_c_metrics(erlangs: float, agents: int, aht_s: float, target_s: float,
                     b: float | None = None) -> QueueMetrics:
    """M/M/N: waiting probability, service level at `target_s`, ASA and occupancy."""
    _check("erlangs", erlangs)
    _check_count("agents", agents)
    _check("aht_s", aht_s)
    _check("target_s", target_s, positive=False)
    if agents <= erlangs:
        # Unstable: the queue grows without bound; everyone waits, nobody within target.
        return QueueMetrics(p_wait=1.0, service_level=0.0, asa_s=INFINITY, occupancy=1.0)
    if b is None:
        b = erlang_b(erlangs, agents)
    p_wait = _erlang_c_from_b(b, erlangs, agents)
    gap = agents - erlangs
    service_level = 1.0 - p_wait * math.exp(-gap * target_s / aht_s)
    return QueueMetrics(p_wait=p_wait, service_level=service_level,
                        asa_s=p_wait * aht_s / gap, occupancy=erlangs / agents)


def erlang_c(erlangs: float, agents: int) -> float:
    """Probability that an arrival has to wait (M/M/N)."""
    return erlang_c_metrics(erlangs, agents, aht_s=1.0, target_s=0.0).p_wait


def _log_weights(erlangs: float, agents: int, c: float) -> tuple[list[float], list[float]]:
    """Log stationary weights of 0..N busy agents and of j = 0,1,... waiting, unnormalised."""
    busy = [0.0]
    for n in range(1, agents + 1):
        busy.append(busy[-1] + math.log(erlangs / n))
    # Above N: ratio lambda / (N mu + j theta) = A / (N + j / (c / N))... written with c = N mu/theta
    # as A / (N (1 + j / c)).
    queue = [busy[-1]]
    peak = max(busy)
    j = 0
    while True:
        j += 1
        step = math.log(erlangs / (agents * (1.0 + j / c)))
        value = queue[-1] + step
        queue.append(value)
        peak = max(peak, value)
        if step < 0 and value - peak < math.log(_TAIL_EPS):
            break
    return busy, queue


def _log_sum_exp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(math.fsum(math.exp(v - top) for v in values))


def erlang_a_metrics(erlangs: float, agents: int, aht_s: float, patience_s: float,
                     target_s: float) -> QueueMetrics:
    """M/M/N+M: waiting and abandonment probabilities, service level, ASA, occupancy."""
    _check("erlangs", erlangs)
    _check_count("agents", agents)
    _check("aht_s", aht_s)
    _check("patience_s", patience_s)
    _check("target_s", target_s, positive=False)
    mu = 1.0 / aht_s
    theta = 1.0 / patience_s
    c = agents * mu / theta
    busy, queue = _log_weights(erlangs, agents, c)
    # busy[N] and queue[0] are the same state (N busy, nobody waiting): count it once.
    log_total = _log_sum_exp(busy[:-1] + queue)
    p_immediate = math.fsum(math.exp(v - log_total) for v in busy[:-1])
    p = -math.expm1(-theta * target_s)
    log_x = math.log(p) if p > 0 else -INFINITY
    log_1mx_b = -theta * target_s * (c + 1.0)  # log (1 - p)^(c + 1)
    b_param = c + 1.0
    # Running values over j: the complement J = 1 - I_p(j + 1, c + 1), grown by positive terms.
    complement = math.exp(log_1mx_b)
    log_term = (math.log(b_param) + log_x + log_1mx_b) if p > 0 else -INFINITY
    harmonic = 0.0
    p_wait = served_waiting = served_in_target = served_wait_time = 0.0
    for j, log_weight in enumerate(queue):
        weight = math.exp(log_weight - log_total)
        harmonic += 1.0 / (theta * (c + j + 1.0))
        served = c / (c + j + 1.0)
        in_target = 1.0 - complement if p > 0 else 0.0
        p_wait += weight
        served_waiting += weight * served
        served_in_target += weight * served * in_target
        served_wait_time += weight * served * harmonic
        if p > 0:
            a = j + 1.0
            complement += math.exp(log_term)
            log_term += log_x + math.log((a + b_param) / (a + 1.0))
    p_served = p_immediate + served_waiting
    p_abandon = max(0.0, 1.0 - p_served)
    return QueueMetrics(
        p_wait=p_wait,
        service_level=p_immediate + served_in_target,
        asa_s=served_wait_time / p_served if p_served > 0 else INFINITY,
        occupancy=min(1.0, erlangs * p_served / agents),
        p_abandon=p_abandon,
    )


@dataclass(frozen=True)
class StaffingResult:
    agents: int
    scheduled_agents: int
    metrics: QueueMetrics


def _check_targets(target_sl: float | None, shrinkage: float, max_occupancy: float | None,
                   target_asa_s: float | None, patience_s: float | None) -> None:
    if target_sl is not None and not 0.0 < target_sl < 1.0:
        raise ErlangInputError("target service level must be between 0 and 1 (exclusive)")
    if not 0.0 <= shrinkage < 1.0:
        raise ErlangInputError("shrinkage must be between 0 and 1 (1 excluded)")
    if max_occupancy is not None and not 0.0 < max_occupancy <= 1.0:
        raise ErlangInputError("maximum occupancy must be between 0 and 1")
    if target_asa_s is not None:
        _check("target ASA", target_asa_s)
    if patience_s is not None:
        _check("patience_s", patience_s)
    if target_sl is None and max_occupancy is None and target_asa_s is None:
        raise ErlangInputError("give at least one target: service level, ASA or occupancy")


def _fewest(meets: Callable[[int], bool], low: int, step: int, limit: int) -> int:
    """Smallest n >= 1 with meets(n), given that meets is monotone in n."""
    if meets(low):
        while low > 1 and meets(low - 1):
            low -= 1
        return low
    high = low
    while not meets(high):
        low, high = high, high + step
        if high > limit:
            raise ErlangInputError(f"no staffing up to {limit} agents meets the targets")
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high


def staffing(*, calls: float, interval_s: float, aht_s: float, target_sl: float | None,
             target_s: float, shrinkage: float = 0.0, max_occupancy: float | None = None,
             target_asa_s: float | None = None, patience_s: float | None = None,
             max_agents: int | None = None) -> StaffingResult:
    """The fewest agents meeting every target given; then scheduled = agents / (1 - shrinkage)."""
    _check("calls", calls)
    _check("interval_s", interval_s)
    _check("aht_s", aht_s)
    _check("target_s", target_s, positive=False)
    _check_targets(target_sl, shrinkage, max_occupancy, target_asa_s, patience_s)
    erlangs = calls * aht_s / interval_s
    limit = max_agents or int(erlangs + 20 * math.sqrt(erlangs) + 100)

    def metrics(n: int) -> QueueMetrics:
        if patience_s is None:
            return erlang_c_metrics(erlangs, n, aht_s, target_s)
        return erlang_a_metrics(erlangs, n, aht_s, patience_s, target_s)

    def meets(n: int) -> bool:
        m = metrics(n)
        return ((target_sl is None or m.service_level >= target_sl)
                and (target_asa_s is None or m.asa_s <= target_asa_s)
                and (max_occupancy is None or m.occupancy <= max_occupancy))

    if patience_s is None:
        # Service level, ASA and occupancy all improve with every agent: start from the fast
        # service-level answer and the occupancy bound, then step up while any target fails.
        best = math.floor(erlangs) + 1
        if target_sl is not None:
            best = erlang_c_agents(erlangs, aht_s, target_sl, target_s)
        if max_occupancy is not None:
            best = max(best, math.ceil(erlangs / max_occupancy - 1e-12))
        while not meets(best):
            best += 1
            if best > limit:
                raise ErlangInputError(f"no staffing up to {limit} agents meets the targets")
    else:
        # With abandonment fewer than A agents may suffice.
        best = _fewest(meets, max(1, math.floor(erlangs * 0.5)), max(1, int(math.sqrt(erlangs))),
                       limit)
    scheduled = math.ceil(best / (1.0 - shrinkage) - 1e-9)
    return StaffingResult(agents=best, scheduled_agents=scheduled, metrics=metrics(best))


def erlang_c_agents(erlangs: float, aht_s: float, target_sl: float, target_s: float) -> int:
    """Fewest agents whose Erlang C service level reaches `target_sl` (fast path, no objects).

    One pass: the Erlang B recurrence up to floor(A), then one step per extra agent until the
    service level is met — O(A + sqrt(A)) work instead of a fresh O(N) sum per candidate N.
    """
    _check("erlangs", erlangs)
    _check("aht_s", aht_s)
    _check("target_s", target_s, positive=False)
    if not 0.0 < target_sl < 1.0:
        raise ErlangInputError("target service level must be between 0 and 1 (exclusive)")
    floor_a = math.floor(erlangs)
    n, b = _climb_start(erlangs, floor_a)
    while n < floor_a:
        n += 1
        b = erlangs * b / (n + erlangs * b)
    ratio = target_s / aht_s
    while True:
        n += 1
        b = erlangs * b / (n + erlangs * b)
        gap = n - erlangs
        if gap <= 0:
            continue
        p_wait = n * b / (gap + erlangs * b)
        if 1.0 - p_wait * math.exp(-gap * ratio) >= target_sl:
            return n



def erlang_c_agents_many(erlangs: Sequence[float], aht_s: Sequence[float],
                         target_sl: Sequence[float], target_s: Sequence[float]) -> list[int]:
    """erlang_c_agents for many intervals at once (a forecast day of many queues), with numpy.

    Phase 1 runs the Erlang B recurrence up to floor(A) for every interval together: with the
    loads sorted, the intervals still climbing at step n are a suffix, so each step is one
    slice operation. Phase 2 steps every interval above its load until its target is met.
    """
    import numpy as np

    load = np.asarray(erlangs, dtype=float)
    if load.size == 0:
        return []
    ratio = np.asarray(target_s, dtype=float) / np.asarray(aht_s, dtype=float)
    goal = np.asarray(target_sl, dtype=float)
    if not (np.all(np.isfinite(load)) and np.all(load > 0) and np.all(np.isfinite(ratio))
            and np.all(ratio >= 0) and np.all((goal > 0) & (goal < 1))):
        raise ErlangInputError("loads must be positive and targets between 0 and 1 (exclusive)")
    order = np.argsort(load, kind="stable")
    a, r, g = load[order], ratio[order], goal[order]
    floor_a = np.floor(a)
    b = np.ones(a.size)
    top = int(floor_a[-1])
    starts = np.searchsorted(a, np.arange(1, top + 1), side="left")
    for n, start in enumerate(starts, start=1):
        part = a[start:] * b[start:]
        b[start:] = part / (n + part)
    answer = np.zeros(a.size, dtype=np.int64)
    index = np.arange(a.size)
    n_now = floor_a.copy()
    while index.size:
        n_now += 1.0
        ab = a * b
        b = ab / (n_now + ab)
        gap = n_now - a
        level = 1.0 - (n_now * b / (gap + a * b)) * np.exp(-gap * r)
        met = level >= g
        answer[index[met]] = n_now[met].astype(np.int64)
        keep = ~met
        index, a, r, g, b, n_now = index[keep], a[keep], r[keep], g[keep], b[keep], n_now[keep]
    result = np.empty_like(answer)
    result[order] = answer
    return [int(x) for x in result]
