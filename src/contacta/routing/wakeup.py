"""Wake the background loops early when new work arrives (instead of waiting for their tick).

Each loop (routing, connectors) registers its event; `notify` sets them all, from any thread.
"""

from __future__ import annotations

import asyncio
import threading

_lock = threading.Lock()
_listeners: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []


def register(loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
    with _lock:
        _listeners[:] = [(lp, ev) for lp, ev in _listeners if not lp.is_closed()]
        _listeners.append((loop, event))


def notify() -> None:
    with _lock:
        listeners = list(_listeners)
    for loop, event in listeners:
        if not loop.is_closed():
            loop.call_soon_threadsafe(event.set)
