"""Erlang B, C and A against high-precision references (mpmath) and known identities."""

from __future__ import annotations

import math

import mpmath
import pytest

from contacta.core.wfm.erlang import (
    ErlangInputError,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    staffing,
)

mpmath.mp.dps = 60
REL = 1e-9


def close(ours: float, ref: object) -> bool:
    ref_f = float(ref)
    return math.isclose(ours, ref_f, rel_tol=REL, abs_tol=1e-300)


def ref_erlang_b(a: float, n: int) -> mpmath.mpf:
    a = mpmath.mpf(a)
    terms = [mpmath.power(a, k) / mpmath.factorial(k) for k in range(n + 1)]
    return terms[-1] / mpmath.fsum(terms)


def ref_erlang_c(a: float, n: int) -> mpmath.mpf:
    a = mpmath.mpf(a)
    head = mpmath.fsum(mpmath.power(a, k) / mpmath.factorial(k) for k in range(n))
    top = mpmath.power(a, n) / mpmath.factorial(n) * n / (n - a)
    return top / (head + top)


@pytest.mark.parametrize(("a", "n"), [(0.5, 1), (2.0, 3), (10.0, 14), (100.0, 110), (250.5, 240),
                                      (1000.0, 1030), (20000.0, 20100), (5.0, 60)])
def test_erlang_b_matches_reference(a, n):
    assert close(erlang_b(a, n), ref_erlang_b(a, n))


@pytest.mark.parametrize(("a", "n"), [(2.0, 3), (10.0, 14), (100.0, 110), (1000.0, 1040),
                                      (20000.0, 20150)])
def test_erlang_c_matches_reference(a, n):
    ref = ref_erlang_c(a, n)
    assert close(erlang_c(a, n), ref)
    m = erlang_c_metrics(a, n, aht_s=180, target_s=20)
    ref_sl = 1 - ref * mpmath.exp(-(n - a) * mpmath.mpf(20) / 180)
    assert close(m.service_level, ref_sl)
    assert close(m.asa_s, ref * 180 / (n - a))
    assert close(m.occupancy, mpmath.mpf(a) / n)


def test_textbook_erlang_c_example():
    # 100 calls / 30 min, AHT 180 s = 10 Erlangs; 14 agents give about 88.8 % in 20 s.
    m = erlang_c_metrics(10.0, 14, aht_s=180, target_s=20)
    assert round(m.service_level, 4) == 0.8884
    assert round(erlang_c_metrics(10.0, 13, aht_s=180, target_s=20).service_level, 4) == 0.7956


def test_erlang_c_overload_has_answers():
    m = erlang_c_metrics(10.0, 10, aht_s=180, target_s=20)
    assert (m.p_wait, m.service_level, m.asa_s, m.occupancy) == (1.0, 0.0, math.inf, 1.0)


def ref_erlang_a(a: float, n: int, aht: float, patience: float, t: float) -> dict[str, mpmath.mpf]:
    """Stationary distribution of the birth-death chain, summed at 60 digits."""
    mu, theta = mpmath.mpf(1) / aht, mpmath.mpf(1) / patience
    lam = mpmath.mpf(a) * mu
    weights = [mpmath.mpf(1)]
    for k in range(1, n + 1):
        weights.append(weights[-1] * lam / (k * mu))
    j = 0
    while True:
        j += 1
        weights.append(weights[-1] * lam / (n * mu + j * theta))
        if j > 10 and weights[-1] < mpmath.mpf(10) ** -40 * max(weights):
            break
    total = mpmath.fsum(weights)
    pi = [w / total for w in weights]
    c = n * mu / theta
    p = 1 - mpmath.exp(-theta * t)
    immediate = mpmath.fsum(pi[:n])
    waiting = pi[n:]
    served = [c / (c + j + 1) for j in range(len(waiting))]
    in_target = [mpmath.betainc(j + 1, c + 1, 0, p, regularized=True) for j in range(len(waiting))]
    wait_time = [mpmath.fsum(1 / (theta * (c + k + 1)) for k in range(j + 1))
                 for j in range(len(waiting))]
    p_served = immediate + mpmath.fsum(w * s for w, s in zip(waiting, served, strict=True))
    return {
        "p_wait": mpmath.fsum(waiting),
        "service_level": immediate + mpmath.fsum(
            w * s * i for w, s, i in zip(waiting, served, in_target, strict=True)),
        "p_abandon": 1 - p_served,
        "asa_s": mpmath.fsum(w * s * h for w, s, h in zip(waiting, served, wait_time, strict=True))
        / p_served,
    }


@pytest.mark.parametrize(("a", "n", "patience"), [(10.0, 12, 120.0), (10.0, 9, 60.0),
                                                  (50.0, 52, 300.0), (8.0, 10, 30.0)])
def test_erlang_a_matches_reference(a, n, patience):
    ref = ref_erlang_a(a, n, 180.0, patience, 20.0)
    m = erlang_a_metrics(a, n, aht_s=180.0, patience_s=patience, target_s=20.0)
    for key, value in ref.items():
        assert close(getattr(m, key), value), key


def test_erlang_a_with_patience_equal_to_handle_time_is_poisson():
    """theta = mu makes the system an M/M/infinity: the number present is Poisson(A)."""
    a, n = 12.0, 10
    m = erlang_a_metrics(a, n, aht_s=100.0, patience_s=100.0, target_s=0.0)
    pois = [mpmath.exp(-a) * mpmath.power(a, k) / mpmath.factorial(k) for k in range(400)]
    assert close(m.p_wait, 1 - mpmath.fsum(pois[:n]))
    mean_queue = mpmath.fsum((k - n) * p for k, p in enumerate(pois) if k > n)
    assert close(m.p_abandon, mean_queue / a)


def test_erlang_a_tends_to_erlang_c_with_endless_patience():
    c = erlang_c_metrics(10.0, 12, aht_s=180, target_s=20)
    a = erlang_a_metrics(10.0, 12, aht_s=180, patience_s=1e9, target_s=20)
    assert math.isclose(a.service_level, c.service_level, rel_tol=1e-5)
    assert math.isclose(a.asa_s, c.asa_s, rel_tol=1e-5)
    assert a.p_abandon < 1e-6


def test_large_loads_are_stable_and_fast():
    m = erlang_a_metrics(20000.0, 19800, aht_s=300, patience_s=120, target_s=20)
    assert 0 < m.service_level < 1
    assert 0 < m.p_abandon < 0.1
    result = staffing(calls=60000, interval_s=1800, aht_s=300, target_sl=0.9, target_s=20)
    assert 10000 < result.agents < 10200
    assert result.metrics.service_level >= 0.9
    below = erlang_c_metrics(10000.0, result.agents - 1, aht_s=300, target_s=20)
    assert below.service_level < 0.9


def test_staffing_with_shrinkage_and_occupancy():
    r = staffing(calls=100, interval_s=1800, aht_s=180, target_sl=0.8, target_s=20,
                 shrinkage=0.3, max_occupancy=0.85)
    assert r.agents == 14
    assert r.scheduled_agents == 20
    with_patience = staffing(calls=100, interval_s=1800, aht_s=180, target_sl=0.8, target_s=20,
                             patience_s=120)
    assert with_patience.agents <= 14
    assert with_patience.metrics.service_level >= 0.8


@pytest.mark.parametrize("kwargs", [
    {"calls": -1}, {"calls": 0}, {"target_sl": 1.5}, {"target_sl": 0}, {"shrinkage": 1.0},
    {"aht_s": 0}, {"max_occupancy": 0}, {"target_sl": None},
])
def test_staffing_refuses_meaningless_input(kwargs):
    base = {"calls": 100, "interval_s": 1800, "aht_s": 180, "target_sl": 0.8, "target_s": 20}
    with pytest.raises(ErlangInputError):
        staffing(**{**base, **kwargs})


def test_zero_agents_and_nan_are_refused():
    with pytest.raises(ErlangInputError):
        erlang_b(10.0, 0)
    with pytest.raises(ErlangInputError):
        erlang_c_metrics(float("nan"), 10, aht_s=1, target_s=1)


@pytest.mark.parametrize("seed", range(5))
def test_fast_agent_count_equals_the_definition(seed):
    """erlang_c_agents is the smallest N whose Erlang C service level meets the target."""
    import random

    from contacta.core.wfm.erlang import erlang_c_agents

    rng = random.Random(seed)
    for _ in range(40):
        a, aht = rng.uniform(0.2, 400), rng.uniform(30, 900)
        sl, t = rng.uniform(0.5, 0.95), rng.choice([0.0, 10.0, 20.0, 60.0])
        n = erlang_c_agents(a, aht, sl, t)
        assert erlang_c_metrics(a, n, aht, t).service_level >= sl
        if n - 1 > a:
            assert erlang_c_metrics(a, n - 1, aht, t).service_level < sl


def test_vectorised_agent_counts_equal_the_one_by_one_answer():
    import random

    from contacta.core.wfm.erlang import erlang_c_agents, erlang_c_agents_many

    rng = random.Random(5)
    cases = [(rng.uniform(0.1, 300), rng.uniform(30, 900), rng.uniform(0.5, 0.95),
              rng.choice([0.0, 20.0, 60.0])) for _ in range(400)]
    many = erlang_c_agents_many(*zip(*cases, strict=True))
    assert many == [erlang_c_agents(*case) for case in cases]
    assert erlang_c_agents_many([], [], [], []) == []
    with pytest.raises(ErlangInputError):
        erlang_c_agents_many([10.0, -1.0], [60, 60], [0.8, 0.8], [20, 20])
    with pytest.raises(ErlangInputError):
        erlang_c_agents_many([10.0], [60], [1.2], [20])


@pytest.mark.parametrize(("a", "n"), [(150.0, 150), (400.5, 420), (5000.0, 4990), (12000.0, 12100)])
def test_starting_the_recurrence_near_the_load_changes_nothing(a, n):
    from contacta.core.wfm.erlang import erlang_b_table

    assert math.isclose(erlang_b(a, n), erlang_b_table(a, n)[n], rel_tol=1e-13)
