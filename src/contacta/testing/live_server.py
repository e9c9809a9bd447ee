"""A real Contacta server process on a throwaway database, for end-to-end tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    seed_output: str
    log: Path


def _database(tmp: Path, postgres_url: str | None) -> tuple[str, str | None]:
    """A fresh SQLite file, or a new database on the PostgreSQL server `postgres_url` names."""
    if not postgres_url:
        return f"sqlite:///{tmp / 'live.sqlite3'}", None
    import psycopg

    name = f"contacta_live_{uuid.uuid4().hex[:10]}"
    admin = urlparse(postgres_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlparse(postgres_url)._replace(path=f"/{name}").geturl(), name


@contextlib.contextmanager
def live_server(tmp: Path, seed: str, *, seed_args: tuple[str, ...] = (),
                postgres_url: str | None = None, redis_url: str | None = None,
                extra_env: dict[str, str] | None = None,
                extra_commands: tuple[tuple[str, ...], ...] = ()) -> Iterator[LiveServer]:
    """Migrate, run `seed` (Python source), serve; with Redis also run `contacta worker`
    (the multi-node shape); also run each of `extra_commands` (`contacta` arguments, such as
    the SMTP receiver). Everything is stopped and the database dropped afterwards."""
    db_url, pg_name = _database(tmp, postgres_url)
    env = {**os.environ, "DATABASE_URL": db_url, "CONTACTA_DATA_DIR": str(tmp),
           "DJANGO_SETTINGS_MODULE": "contacta.config.settings", "CONTACTA_TRAFFIC": "0",
           "CONTACTA_ROUTING_TICK_SECONDS": "0.2",
           "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", **(extra_env or {})}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["CONTACTA_REDIS_PREFIX"] = f"live-{uuid.uuid4().hex[:8]}"
    python = sys.executable
    subprocess.run([python, "-m", "contacta.cli", "migrate", "-v", "0"], env=env, check=True,
                   cwd=ROOT)
    seeded = subprocess.run([python, "-c", seed, *seed_args], env=env, check=True, cwd=ROOT,
                            capture_output=True, text=True)
    port = free_port()
    log_path = tmp / "server.log"
    processes: list[subprocess.Popen[bytes]] = []
    with log_path.open("w") as log:
        try:
            processes.append(subprocess.Popen(
                [python, "-m", "contacta.cli", "serve", "--port", str(port)], env=env, cwd=ROOT,
                stdout=log, stderr=subprocess.STDOUT))
            commands = [*((("worker",),) if redis_url else ()), *extra_commands]
            processes.extend(subprocess.Popen([python, "-m", "contacta.cli", *command],
                                              env=env, cwd=ROOT, stdout=log,
                                              stderr=subprocess.STDOUT)
                             for command in commands)
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.2)
            yield LiveServer(f"http://127.0.0.1:{port}", env, seeded.stdout, log_path)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
            if pg_name and postgres_url:
                import psycopg

                admin = urlparse(postgres_url)._replace(path="/postgres").geturl()
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
