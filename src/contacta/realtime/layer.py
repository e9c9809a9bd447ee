"""The Redis channel layer of multi-node installs, with timeouts that agree with each other.

Each socket's reader waits for events in a blocking pop (BZPOPMIN) and asks again when it
times out. redis-py gives every read a socket timeout (5 s by default since redis-py 8), and
channels_redis blocks 5 s: the two raced on a busy machine and the reader died with
TimeoutError (the agent's socket closed; events sent meanwhile were missed). A read that hangs
also holds up the server's shutdown for the whole socket timeout. So: short pops, and a read
timeout a few seconds above them.
"""

from __future__ import annotations

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer

BLOCKING_POP_S = 1  # how long one BZPOPMIN waits before the reader asks again
READ_TIMEOUT_S = 4.0  # a Redis reply later than this means the connection is gone


class RedisChannelLayer(BaseRedisChannelLayer):  # type: ignore[misc]  # channels_redis ships no types
    brpop_timeout = BLOCKING_POP_S
