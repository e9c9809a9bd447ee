"""The Redis channel layer every multi-node process shares, against the real Redis. A reader's
blocking pop must end well before its read timeout (they raced at 5 s and 5 s with redis-py 8,
killing agents' sockets on a busy machine), and a socket that waits longer than both still gets
the event sent after the wait."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from django.utils.module_loading import import_string

from contacta.config.env import redis_channel_layer
from contacta.realtime.layer import READ_TIMEOUT_S

REDIS = "redis://127.0.0.1:6379/0"


def test_the_blocking_pop_ends_seconds_before_the_read_timeout() -> None:
    config = redis_channel_layer(REDIS, "test-layer")
    layer = import_string(config["BACKEND"])(**config["CONFIG"])
    (host,) = config["CONFIG"]["hosts"]
    assert host["socket_timeout"] == READ_TIMEOUT_S
    assert layer.brpop_timeout + 2 <= READ_TIMEOUT_S  # slack for a busy event loop


@pytest.mark.asyncio
async def test_a_long_wait_still_gets_its_event() -> None:
    config = redis_channel_layer(REDIS, f"test-layer-{uuid.uuid4().hex[:8]}")
    layer = import_string(config["BACKEND"])(**config["CONFIG"])
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(READ_TIMEOUT_S + 1.5)  # several pops, past one read timeout
    assert not waiting.done(), waiting.exception() if waiting.done() else None
    await layer.send(channel, {"type": "message.created", "id": 7})
    assert await asyncio.wait_for(waiting, 5) == {"type": "message.created", "id": 7}
    await layer.flush()
    await layer.close_pools()
