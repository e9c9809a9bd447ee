"""A restart must not hang: `contacta serve` in the multi-node shape (Redis channel layer) with
agents' sockets open stops within a few seconds of SIGTERM. Readers stuck in the Redis layer
used to hold it for the whole read timeout, or for ever with no timeout."""

from __future__ import annotations

import asyncio
import json
import os
import time

import pytest
import websockets

from contacta.testing.live_server import live_server

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
SEED = """
import django, json; django.setup()
from django.test import Client
from tests.factories import make_world
w = make_world("stop", agents=1)
c = Client(); c.force_login(w.agents[0].user)
print(json.dumps({"cookie": c.cookies["sessionid"].value}))
"""


async def sockets_open_during(url: str, cookie: str, stop) -> None:
    address = url.replace("http://", "ws://") + "/ws/agent/stop/"
    sockets = [await websockets.connect(address, additional_headers={
        "Cookie": f"sessionid={cookie}"}) for _ in range(3)]

    async def drain(socket) -> None:
        try:
            async for _ in socket:
                pass
        except websockets.ConnectionClosed:
            pass

    readers = [asyncio.create_task(drain(s)) for s in sockets]
    await asyncio.sleep(1.5)  # the readers are blocked in the channel layer by now
    await asyncio.to_thread(stop)
    await asyncio.gather(*readers)


@pytest.mark.parametrize("round_", [1, 2])
def test_serve_stops_promptly_with_agents_connected(tmp_path, round_):
    database = os.environ.get("DATABASE_URL", "")
    context = live_server(tmp_path, SEED, redis_url="redis://127.0.0.1:6379/0",
                          postgres_url=database if database.startswith("postgres") else None)
    live = context.__enter__()
    cookie = json.loads(live.seed_output.strip().splitlines()[-1])["cookie"]
    took: list[float] = []

    def stop() -> None:
        started = time.monotonic()
        context.__exit__(None, None, None)  # SIGTERM, then at most 10 s before it fails
        took.append(time.monotonic() - started)

    asyncio.run(sockets_open_during(live.url, cookie, stop))
    (elapsed,) = took
    assert elapsed < 6
