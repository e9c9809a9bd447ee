"""A real server process (uvicorn + Channels + routing loop) on a fresh database, and Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

SEED = """
import django; django.setup()
from tests.factories import make_world
from contacta.conversations.models import Conversation
a = make_world("e2e", agents=2, offer_timeout=5, wrap_up=2)
b = make_world("rival", agents=1)
# The staff UI follows the tenant's language; these tenants work in English.
from contacta.tenants.models import Tenant
Tenant.objects.update(language="en")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url(tmp: Path) -> tuple[str, str | None]:
    """A throwaway database of the same kind the suite runs on."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}", None
    import psycopg

    name = f"contacta_e2e_{uuid.uuid4().hex[:10]}"
    parts = urlparse(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl(), name


@contextlib.contextmanager
def running_server(tmp: Path, seed: str, extra_env: dict[str, str] | None = None
                   ) -> Iterator[str]:
    """Migrate a throwaway database, run `seed`, serve (plus a worker with Redis), clean up."""
    db_url, pg_name = _database_url(tmp)
    env = {**os.environ, "DATABASE_URL": db_url, "CONTACTA_DATA_DIR": str(tmp),
           "CONTACTA_ROUTING_TICK_SECONDS": "0.2", "CONTACTA_TRAFFIC": "0",
           "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", **(extra_env or {})}
    env["DJANGO_SETTINGS_MODULE"] = "contacta.config.settings"
    if "REDIS_URL" in env:
        env["CONTACTA_REDIS_PREFIX"] = f"e2e-{uuid.uuid4().hex[:8]}"
    subprocess.run([sys.executable, "-m", "contacta.cli", "migrate", "-v", "0"], env=env,
                   check=True, cwd=ROOT)
    subprocess.run([sys.executable, "-c", seed], env=env, check=True, cwd=ROOT)
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed in the teardown below
    server = subprocess.Popen([sys.executable, "-m", "contacta.cli", "serve", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    # With Redis the install is multi-node: routing runs in its own worker process, and its
    # events reach the web process's sockets through the Redis channel layer.
    worker = (subprocess.Popen([sys.executable, "-m", "contacta.cli", "worker"], env=env, cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
              if "REDIS_URL" in env else None)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError((tmp / "server.log").read_text())
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
        log.close()
        if pg_name:
            import psycopg

            admin = urlparse(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def live_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("e2e"), SEED) as url:
        yield url


@pytest.fixture(scope="module")  # Playwright's sync API holds an event loop while it runs:
def browser() -> Iterator[object]:  # release it before other modules' asyncio tests
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for e2e tests (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
