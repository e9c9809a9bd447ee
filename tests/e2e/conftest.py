"""A real server process (uvicorn + Channels + routing loop) on a fresh database, and Chromium."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from contacta.testing.live_server import live_server

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


@contextlib.contextmanager
def running_server(tmp: Path, seed: str, extra_env: dict[str, str] | None = None
                   ) -> Iterator[str]:
    """The suite's own database kind: PostgreSQL (+ Redis and a worker) when configured."""
    database = os.environ.get("DATABASE_URL", "")
    with live_server(tmp, seed, extra_env=extra_env,
                     postgres_url=database if database.startswith("postgres") else None,
                     redis_url=os.environ.get("REDIS_URL") or None) as server:
        yield server.url


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
