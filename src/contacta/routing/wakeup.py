"""Wake the routing loop early when new work arrives (instead of waiting for the next tick)."""

from __future__ import annotations

import asyncio
import threading

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_event: asyncio.Event | None = None


def register(loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
    global _loop, _event
    with _lock:
        _loop, _event = loop, event


def notify() -> None:
    with _lock:
        loop, event = _loop, _event
    if loop is not None and event is not None and not loop.is_closed():
        loop.call_soon_threadsafe(event.set)
