"""What the benchmarks share: one JSON object with --json (aligned lines otherwise), and a real
server process on a throwaway database for the end-to-end ones."""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse


def emit(report: Mapping[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(report))
        return
    width = max(len(key) for key in report)
    for key, value in report.items():
        print(f"{key:>{width}}: {value}")


ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


@dataclass
class Server:
    base: str
    env: dict[str, str]
    seed_output: str
    log: Path


@contextlib.contextmanager
def running_server(db: str, seed: str, seed_args: list[str],
                   extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """Migrate a fresh SQLite file or PostgreSQL database, run `seed`, serve, clean up."""
    tmp = Path(tempfile.mkdtemp(prefix="contacta-bench-"))
    pg_name = None
    if db == "postgres":
        import psycopg

        pg_name = f"contacta_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        db_url = urlparse(PG_URL)._replace(path=f"/{pg_name}").geturl()
    else:
        db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": db_url, "CONTACTA_DATA_DIR": str(tmp),
           "DJANGO_SETTINGS_MODULE": "contacta.config.settings", "CONTACTA_TRAFFIC": "0",
           "CONTACTA_PUBLIC_START_RATE_LIMIT": "100000", "CONTACTA_PUBLIC_RATE_LIMIT": "100000",
           "PYTHONPATH": str(ROOT / "src"), **(extra_env or {})}
    env.pop("REDIS_URL", None)
    python = sys.executable
    subprocess.run([python, "-m", "contacta.cli", "migrate", "-v", "0"], env=env, check=True)
    seeded = subprocess.run([python, "-c", seed, *seed_args], env=env, check=True,
                            capture_output=True, text=True)
    port = free_port()
    log_path = tmp / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([python, "-m", "contacta.cli", "serve", "--port", str(port)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            yield Server(f"http://127.0.0.1:{port}", env, seeded.stdout, log_path)
        finally:
            server.terminate()
            server.wait(timeout=10)
            if pg_name:
                import psycopg

                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
