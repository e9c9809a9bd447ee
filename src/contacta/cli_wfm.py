"""`contacta wfm ...`: Erlang B, C, A and staffing from the command line (no Django needed)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from contacta.core.wfm.erlang import (
    ErlangInputError,
    erlang_a_metrics,
    erlang_b,
    erlang_c_metrics,
    staffing,
)

SL_NOTE = ("service level counts abandoned contacts as failures: it is the share of ALL arrivals "
           "answered within the target time")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contacta wfm", description="Erlang and staffing math")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print one JSON object")

    b = sub.add_parser("erlang-b", help="blocking probability of N lines (M/M/N/N)")
    b.add_argument("--erlangs", type=float, required=True, help="offered load A")
    b.add_argument("--lines", type=int, required=True, help="number of lines N")
    common(b)

    c = sub.add_parser("erlang-c", help="queue with N agents, no abandonment (M/M/N)")
    c.add_argument("--erlangs", type=float, required=True)
    c.add_argument("--agents", type=int, required=True)
    c.add_argument("--aht-s", type=float, required=True, help="average handle time, seconds")
    c.add_argument("--target-s", type=float, required=True, help="service-level target time")
    common(c)

    a = sub.add_parser("erlang-a", help="queue with N agents and impatient customers (M/M/N+M)",
                       description=f"Erlang A (M/M/N+M). Note: {SL_NOTE}.")
    a.add_argument("--erlangs", type=float, required=True)
    a.add_argument("--agents", type=int, required=True)
    a.add_argument("--aht-s", type=float, required=True)
    a.add_argument("--patience-s", type=float, required=True, help="mean patience, seconds")
    a.add_argument("--target-s", type=float, required=True)
    common(a)

    s = sub.add_parser("staffing", help="fewest agents meeting the targets, then shrinkage",
                       description=f"Erlang C staffing, or Erlang A with --patience-s ({SL_NOTE}).")
    s.add_argument("--calls", type=float, required=True, help="contacts in the interval")
    s.add_argument("--interval-s", type=float, required=True)
    s.add_argument("--aht-s", type=float, required=True)
    s.add_argument("--target-sl", type=float, required=True, help="e.g. 0.8 for 80 %%")
    s.add_argument("--target-s", type=float, required=True)
    s.add_argument("--shrinkage", type=float, default=0.0, help="e.g. 0.3 for 30 %%")
    s.add_argument("--max-occupancy", type=float, default=None)
    s.add_argument("--target-asa-s", type=float, default=None)
    s.add_argument("--patience-s", type=float, default=None)
    common(s)
    return parser


def _compute(args: argparse.Namespace) -> dict[str, Any]:
    if args.command == "erlang-b":
        return {"blocking": erlang_b(args.erlangs, args.lines)}
    if args.command == "erlang-c":
        m = erlang_c_metrics(args.erlangs, args.agents, args.aht_s, args.target_s)
        return {"p_wait": m.p_wait, "service_level": m.service_level, "asa_s": m.asa_s,
                "occupancy": m.occupancy}
    if args.command == "erlang-a":
        m = erlang_a_metrics(args.erlangs, args.agents, args.aht_s, args.patience_s,
                             args.target_s)
        return {"p_wait": m.p_wait, "p_abandon": m.p_abandon, "service_level": m.service_level,
                "asa_s": m.asa_s, "occupancy": m.occupancy}
    r = staffing(calls=args.calls, interval_s=args.interval_s, aht_s=args.aht_s,
                 target_sl=args.target_sl, target_s=args.target_s, shrinkage=args.shrinkage,
                 max_occupancy=args.max_occupancy, target_asa_s=args.target_asa_s,
                 patience_s=args.patience_s)
    out: dict[str, Any] = {"agents": r.agents, "scheduled_agents": r.scheduled_agents,
                           "service_level": r.metrics.service_level, "asa_s": r.metrics.asa_s,
                           "occupancy": r.metrics.occupancy, "p_wait": r.metrics.p_wait}
    if args.patience_s is not None:
        out["p_abandon"] = r.metrics.p_abandon
    return out


def _human(value: Any) -> str:
    if isinstance(value, float):
        return "infinite" if math.isinf(value) else f"{value:.6g}"
    return str(value)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        result = _compute(args)
    except ErlangInputError as exc:
        print(f"contacta wfm {args.command}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        # An infinite ASA prints as Infinity, which Python's and most JSON readers accept.
        print(json.dumps(result))
    else:
        width = max(len(k) for k in result)
        for key, value in result.items():
            print(f"{key:<{width}}  {_human(value)}")
        if args.command in {"erlang-a", "staffing"}:
            print(f"({SL_NOTE})")
    return 0
