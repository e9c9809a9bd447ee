"""Read deployment settings from the environment, with the embedded single-node defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def data_dir() -> Path:
    path = Path(os.environ.get("CONTACTA_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_from_url(url: str | None, sqlite_path: Path) -> dict[str, Any]:
    """DATABASE_URL (postgres://user:pass@host:port/name) or the embedded SQLite file."""
    if not url or url.startswith("sqlite"):
        name = sqlite_path
        if url and url.startswith("sqlite:///"):
            name = Path(url.removeprefix("sqlite:///"))
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(name),
            "OPTIONS": {
                # WAL lets the server read while the worker writes; IMMEDIATE takes the write
                # lock up front so two writers queue instead of failing on lock upgrade.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "TEST": {"NAME": str(sqlite_path.with_name("test-" + sqlite_path.name))},
        }
    parts = urlparse(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"unsupported DATABASE_URL scheme: {parts.scheme}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # A connection pool, not persistent connections: under ASGI every request may run in
        # a new thread, and per-thread persistent connections pile up until PostgreSQL refuses
        # more clients. The pool reuses a bounded set (Django 5.1+ with psycopg_pool).
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"pool": {"min_size": 2,
                             "max_size": int(os.environ.get("CONTACTA_DB_POOL_SIZE", "20")),
                             "timeout": 30}}
        if os.environ.get("CONTACTA_DB_POOL", "1") == "1" else {},
    }


def redis_channel_layer(url: str, prefix: str) -> dict[str, Any]:
    """The channel layer shared by every process of a multi-node install (timeouts explained
    in realtime/layer.py)."""
    from contacta.realtime.layer import READ_TIMEOUT_S

    return {
        "BACKEND": "contacta.realtime.layer.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, "socket_timeout": READ_TIMEOUT_S,
                       "socket_connect_timeout": 5, "health_check_interval": 30}],
            "prefix": prefix,
        },
    }
