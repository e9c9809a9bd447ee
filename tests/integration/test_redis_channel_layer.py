"""The Redis channel layer every multi-node process shares, against the real Redis: a socket
that waits for events longer than redis-py's default read timeout keeps waiting, and the event
sent after the wait still arrives (redis-py 8 made 5 s the default; the layer's blocking pop
used to race it and kill agents' sockets on a busy machine)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels_redis.core import RedisChannelLayer

from contacta.config.env import REDIS_READ_TIMEOUT_S, redis_channel_layer

REDIS = "redis://127.0.0.1:6379/0"


@pytest.mark.asyncio
async def test_a_wait_longer_than_redis_default_read_timeout_still_gets_its_event() -> None:
    config = redis_channel_layer(REDIS, f"test-layer-{uuid.uuid4().hex[:8]}")
    layer = RedisChannelLayer(**config["CONFIG"])
    # Block longer than redis-py's default 5 s read timeout in one pop, but well under ours.
    layer.brpop_timeout = 6
    assert layer.brpop_timeout < REDIS_READ_TIMEOUT_S
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(6.5)
    assert not waiting.done(), waiting.exception() if waiting.done() else None
    await layer.send(channel, {"type": "message.created", "id": 7})
    assert await asyncio.wait_for(waiting, 5) == {"type": "message.created", "id": 7}
    await layer.flush()
    await layer.close_pools()
