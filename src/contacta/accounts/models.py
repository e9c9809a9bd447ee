"""People who sign in, and the API tokens integrations use."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from contacta.tenants.models import Tenant


class User(AbstractUser):
    language = models.CharField(_("language"), max_length=8, blank=True,
                                choices=settings.LANGUAGES,
                                help_text=_("Empty: use the tenant's default language."))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for integrations; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+",
                               help_text=_("Restrict the token to one tenant (recommended)."))
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str, tenant: Tenant | None = None) -> tuple[ApiToken, str]:
        raw = "ct_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, tenant=tenant, name=name,
                                   key_hash=hash_token(raw), prefix=raw[:8])
        return token, raw
