"""`contacta wfm`: exact JSON keys, human output, clear errors with a non-zero exit."""

from __future__ import annotations

import json
import math

import pytest

from contacta.cli_wfm import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_erlang_b_json(capsys):
    code, out, _ = run(capsys, "erlang-b", "--erlangs", "10", "--lines", "12", "--json")
    assert code == 0
    assert set(json.loads(out)) == {"blocking"}


def test_erlang_c_json_and_overload(capsys):
    code, out, _ = run(capsys, "erlang-c", "--erlangs", "10", "--agents", "14", "--aht-s", "180",
                       "--target-s", "20", "--json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"p_wait", "service_level", "asa_s", "occupancy"}
    assert round(data["service_level"], 4) == 0.8884
    _, out, _ = run(capsys, "erlang-c", "--erlangs", "10", "--agents", "9", "--aht-s", "180",
                    "--target-s", "20", "--json")
    data = json.loads(out)
    assert data["p_wait"] == 1.0
    assert data["service_level"] == 0.0
    assert math.isinf(data["asa_s"])
    _, human, _ = run(capsys, "erlang-c", "--erlangs", "10", "--agents", "9", "--aht-s", "180",
                      "--target-s", "20")
    assert "infinite" in human


def test_erlang_a_json(capsys):
    code, out, _ = run(capsys, "erlang-a", "--erlangs", "10", "--agents", "12", "--aht-s", "180",
                       "--patience-s", "120", "--target-s", "20", "--json")
    assert code == 0
    assert set(json.loads(out)) == {"p_wait", "p_abandon", "service_level", "asa_s", "occupancy"}


def test_staffing_json(capsys):
    code, out, _ = run(capsys, "staffing", "--calls", "100", "--interval-s", "1800", "--aht-s",
                       "180", "--target-sl", "0.8", "--target-s", "20", "--shrinkage", "0.3",
                       "--json")
    data = json.loads(out)
    assert code == 0
    assert {"agents", "scheduled_agents", "service_level", "asa_s", "occupancy", "p_wait"} <= set(data)
    assert (data["agents"], data["scheduled_agents"]) == (14, 20)


def test_erlang_a_help_says_abandoners_fail(capsys):
    with pytest.raises(SystemExit):
        main(["erlang-a", "--help"])
    assert "abandoned contacts as failures" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["erlang-b", "--erlangs", "-1", "--lines", "3"],
    ["erlang-b", "--erlangs", "1", "--lines", "0"],
    ["erlang-c", "--erlangs", "10", "--agents", "0", "--aht-s", "1", "--target-s", "1"],
    ["erlang-a", "--erlangs", "10", "--agents", "5", "--aht-s", "1", "--patience-s", "0",
     "--target-s", "1"],
    ["staffing", "--calls", "100", "--interval-s", "1800", "--aht-s", "180", "--target-sl", "80",
     "--target-s", "20"],
    ["staffing", "--calls", "100", "--interval-s", "1800", "--aht-s", "180", "--target-sl", "0.8",
     "--target-s", "-5"],
])
def test_bad_values_exit_non_zero_with_a_message(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "contacta wfm" in err


def test_missing_or_malformed_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as missing:
        main(["erlang-c", "--erlangs", "10"])
    assert missing.value.code == 2
    with pytest.raises(SystemExit) as malformed:
        main(["erlang-b", "--erlangs", "ten", "--lines", "3"])
    assert malformed.value.code == 2
