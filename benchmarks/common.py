"""What the benchmarks share: one JSON object with --json (aligned lines otherwise), and a real
server process on a throwaway database for the end-to-end ones."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from contacta.testing.live_server import LiveServer, live_server


def emit(report: Mapping[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(report))
        return
    width = max(len(key) for key in report)
    for key, value in report.items():
        print(f"{key:>{width}}: {value}")


PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


@contextlib.contextmanager
def running_server(db: str, seed: str, seed_args: list[str],
                   extra_env: dict[str, str] | None = None,
                   redis_url: str | None = None) -> Iterator[LiveServer]:
    """One server process on a fresh SQLite file or PostgreSQL database: single node, or with
    `redis_url` the multi-node shape (routing and connectors in a `contacta worker`)."""
    env = {"CONTACTA_PUBLIC_START_RATE_LIMIT": "100000", "CONTACTA_PUBLIC_RATE_LIMIT": "100000",
           "CONTACTA_ROUTING_TICK_SECONDS": "0.5", **(extra_env or {})}
    with live_server(Path(tempfile.mkdtemp(prefix="contacta-bench-")), seed,
                     seed_args=tuple(seed_args), extra_env=env,
                     postgres_url=PG_URL if db == "postgres" else None,
                     redis_url=redis_url) as server:
        yield server
