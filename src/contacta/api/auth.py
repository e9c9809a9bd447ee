"""API authentication: bearer tokens for integrations, the session (with CSRF) for the UI."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from contacta.accounts.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token or len(token) > 200:
            return None
        api_token = (ApiToken.objects.select_related("user", "tenant")
                     .filter(key_hash=hash_token(token), revoked=False, user__is_active=True)
                     .first())
        if api_token is None:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        request.api_token_tenant_id = api_token.tenant_id  # type: ignore[attr-defined]
        return api_token.user


STAFF_AUTH = [TokenAuth(), django_auth]
