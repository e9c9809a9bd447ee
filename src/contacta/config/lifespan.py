"""Start background work with the server (single node): the routing loop, the call engine when
CONTACTA_VOICE=1 and, in the demo, the traffic generator. Multi-node installs run them in
`contacta worker` and `contacta voice` instead."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def background_jobs(stop: asyncio.Event) -> list[Awaitable[None]]:
    from contacta.routing.worker import connectors_loop, routing_loop

    jobs: list[Awaitable[None]] = []
    if settings.EMBEDDED_WORKER:
        jobs.extend([routing_loop(stop), connectors_loop(stop)])
    if settings.TRAFFIC_GENERATOR:
        from contacta.demo.traffic import traffic_loop

        jobs.append(traffic_loop(stop))
    if settings.VOICE_IN_SERVER:
        from contacta.voice.runner import engine_from_env, run_voice

        jobs.append(run_voice(engine_from_env(), stop))
    return jobs


class LifespanMiddleware:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                tasks = [asyncio.ensure_future(job) for job in background_jobs(stop)]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                stop.set()
                for task in tasks:
                    with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                        await asyncio.wait_for(task, timeout=5)
                await send({"type": "lifespan.shutdown.complete"})
                return
