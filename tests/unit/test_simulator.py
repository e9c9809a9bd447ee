"""The simulator drives the real kernel; its outcomes agree with queueing theory."""

from __future__ import annotations

import json

import pytest

from contacta.cli_simulate import main as simulate_main
from contacta.core.sim.engine import simulate
from contacta.core.sim.scenario import ScenarioError, scenario_from_dict
from contacta.core.sim.stats import estimate, summarize
from contacta.core.wfm.erlang import erlang_a_metrics, erlang_c_metrics

REPLICATIONS = 6


def totals(data, replications=REPLICATIONS, confidence=0.99):
    scenario = scenario_from_dict(data)
    runs = [simulate(scenario, seed) for seed in range(replications)]
    report = summarize(scenario, runs, confidence=confidence)
    return report, report["queues"][0]["total"]


def inside(est, value):
    return abs(est["mean"] - value) <= est["ci"]


def mmn(rate_per_hour, aht, agents, **queue):
    return {"duration_s": 120000, "warmup_s": 2000, "report_interval_s": 120000,
            "queues": [{"rate_per_hour": rate_per_hour, "handle_s": aht, "target_s": 20,
                        **queue}],
            "agents": [{"count": agents, "capacity": {"voice": 1}}]}


def test_mmn_matches_erlang_c_within_the_confidence_interval():
    _, total = totals(mmn(480, 60, 10))  # 8 Erlangs on 10 agents
    theory = erlang_c_metrics(8.0, 10, aht_s=60, target_s=20)
    assert inside(total["service_level"], theory.service_level)
    assert inside(total["asa_s"], theory.asa_s)
    assert total["abandoned"]["mean"] == 0


def test_impatient_customers_match_erlang_a():
    _, total = totals(mmn(600, 60, 10, patience_s=45))  # 10 Erlangs on 10 agents
    theory = erlang_a_metrics(10.0, 10, aht_s=60, patience_s=45, target_s=20)
    assert inside(total["service_level"], theory.service_level)
    assert inside(total["abandon_rate"], theory.p_abandon)
    assert inside(total["asa_s"], theory.asa_s)


def test_intraday_profile_and_report_intervals():
    data = {"duration_s": 5400, "report_interval_s": 1800,
            "queues": [{"profile": [200, 0, 400], "profile_interval_s": 1800, "handle_s": 30}],
            "agents": [{"count": 10, "capacity": {"voice": 1}}]}
    report, _ = totals(data, replications=8, confidence=0.99)
    rows = {r["interval"]: r for r in report["queues"][0]["intervals"]}
    assert set(rows) == {0, 2}  # nobody arrives in the empty interval
    assert inside(rows[0]["offered"], 200)
    assert inside(rows[2]["offered"], 400)


def test_shifts_nobody_answers_before_the_shift_starts():
    data = {"duration_s": 3600, "report_interval_s": 1800,
            "queues": [{"rate_per_hour": 120, "handle_s": 60, "patience_s": 30}],
            "agents": [{"count": 5, "capacity": {"voice": 1}, "shift_start_s": 1800}]}
    report, _ = totals(data, replications=3)
    first = report["queues"][0]["intervals"][0]
    assert first["answered"]["mean"] < 1.0  # only those arriving in the last seconds
    assert report["queues"][0]["intervals"][1]["answered"]["mean"] > 40


def test_handle_time_distributions_have_their_means():
    for handle in ({"kind": "lognormal", "mean": 120, "sd": 60},
                   {"kind": "empirical", "sample": [60, 120, 180]}):
        data = mmn(300, 120, 20) | {"queues": [{"rate_per_hour": 300, "handle_s": handle}]}
        _, total = totals(data, replications=4)
        assert inside(total["aht_s"], 120)


def test_chat_capacity_serves_several_at_once():
    def run(slots):
        data = {"duration_s": 20000, "report_interval_s": 20000,
                "queues": [{"rate_per_hour": 240, "handle_s": 60, "channel": "chat"}],
                "agents": [{"count": 2, "capacity": {"chat": slots}}]}
        return totals(data, replications=3)[1]["service_level"]["mean"]

    assert run(3) > 0.75  # 4 Erlangs on 6 chat slots (Erlang C: about 0.86)
    assert run(1) < 0.2  # the same load on 2 slots is overloaded


def test_same_seed_same_result():
    scenario = scenario_from_dict(mmn(480, 60, 10, patience_s=60))
    assert simulate(scenario, 3).tallies == simulate(scenario, 3).tallies


@pytest.mark.parametrize(("data", "message"), [
    ({}, "queues"),
    ({"duration_s": 10, "queues": [{"handle_s": 1}], "agents": [{"count": 1}]}, "rate_per_hour"),
    ({"duration_s": -1, "queues": [{"rate_per_hour": 1, "handle_s": 1}],
      "agents": [{"count": 1}]}, "duration_s"),
    ({"duration_s": 10, "queues": [{"rate_per_hour": 1, "handle_s": {"kind": "weibull"}}],
      "agents": [{"count": 1}]}, "weibull"),
    ({"duration_s": 10, "queues": [{"rate_per_hour": 1, "handle_s": 1}],
      "agents": [{"count": 0}]}, "count"),
    ({"duration_s": 10, "queues": [{"rate_per_hour": 1, "handle_s": 1, "channel": "fax"}],
      "agents": [{"count": 1}]}, "fax"),
    ({"duration_s": 10, "queues": [{"rate_per_hour": 1, "handle_s": 1, "skills": {"a": 9}}],
      "agents": [{"count": 1}]}, "skills"),
    ({"duration_s": 10, "queues": [{"rate_per_hour": 1, "handle_s": 1}],
      "agents": [{"count": 1, "shift_start_s": 5, "shift_end_s": 2}]}, "shift"),
])
def test_bad_scenarios_name_the_fault(data, message):
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(data)


def test_estimate_confidence_interval():
    est = estimate([1.0, 2.0, 3.0])
    assert est.mean == 2.0
    assert round(est.half_width, 3) == round(4.303 * 1 / 3 ** 0.5, 3)


def test_cli_json_and_errors(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text('duration_s = 3600\nreport_interval_s = 1800\n[[queues]]\nname = "Q"\n'
                        'rate_per_hour = 60\nhandle_s = 60\n[[agents]]\ncount = 2\n')
    assert simulate_main(["--scenario", str(scenario), "--replications", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["replications"] == 2
    row = report["queues"][0]["intervals"][0]
    assert {"offered", "answered", "abandoned", "service_level", "asa_s", "aht_s"} <= set(row)
    assert "occupancy" in report
    assert simulate_main(["--scenario", str(scenario), "--replications", "2"]) == 0
    assert "ASA s" in capsys.readouterr().out
    assert simulate_main(["--scenario", str(tmp_path / "missing.toml")]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("duration_s = = 3")
    assert simulate_main(["--scenario", str(bad)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert simulate_main(["--scenario", str(scenario), "--replications", "0"]) == 2


def test_shorthand_spellings_are_accepted():
    scenario = scenario_from_dict({"duration_s": 3600, "interval_s": 900, "agents": 3,
                                   "queues": [{"calls_per_hour": 30, "aht_s": 120}]})
    assert scenario.report_interval_s == 900
    assert scenario.agents[0].count == 3
    assert scenario.queues[0].rate_per_hour == 30
    assert scenario.queues[0].handle.mean == 120
    report = summarize(scenario, [simulate(scenario, 1)])
    row = report["queues"][0]["intervals"][0]
    assert {"offered", "answered", "abandoned", "service_level", "asa_s", "aht_s",
            "occupancy"} <= set(row)
