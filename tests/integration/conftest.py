from __future__ import annotations

import uuid

import pytest


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Argon2 is the production hasher (tested in test_security); tests log in many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.Argon2PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache_config = dict(settings.CACHES["default"])
    if "redis" in cache_config["BACKEND"]:
        # Parallel workers share one Redis: a fresh key prefix per test instead of FLUSHDB.
        cache_config["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
        settings.CACHES = {"default": cache_config}
    else:
        from django.core.cache import cache

        cache.clear()
