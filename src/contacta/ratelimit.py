"""Fixed-window rate limits on the shared cache; keys carry their scope (tenant, inbox, IP)."""

from __future__ import annotations

from django.core.cache import cache


def allow(key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit on `key`; False once `limit` hits happened inside the current window."""
    full_key = f"ratelimit:{key}"
    cache.add(full_key, 0, window_seconds)
    try:
        hits = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.set(full_key, 1, window_seconds)
        hits = 1
    return hits <= limit
