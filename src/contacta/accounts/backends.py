"""Password login with a lockout after repeated failures (per username and per client IP)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def _keys(username: str, request: HttpRequest | None) -> list[str]:
    keys = [f"lockout:user:{username.lower()}"]
    if request is not None:
        keys.append(f"lockout:ip:{request.META.get('REMOTE_ADDR', '')}")
    return keys


def is_locked(username: str, request: HttpRequest | None) -> bool:
    # The IP counter gets a wider limit: several agents share one office NAT address.
    user_key, *ip_keys = _keys(username, request)
    limit = settings.LOGIN_FAILURE_LIMIT
    if cache.get(user_key, 0) >= limit:
        return True
    return any(cache.get(k, 0) >= limit * 4 for k in ip_keys)


def record_failure(username: str, request: HttpRequest | None) -> None:
    for key in _keys(username, request):
        cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if username is None:
            return None
        if is_locked(username, request):
            # PermissionDenied stops Django from trying other backends.
            raise PermissionDenied("too many failed logins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username, request)
        else:
            cache.delete(_keys(username, request)[0])
        return user
