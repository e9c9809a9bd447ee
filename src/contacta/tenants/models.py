"""Tenants are a BPO's client companies; every business row belongs to exactly one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.manager import Manager


class Tenant(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True,
                            validators=[RegexValidator(r"^[a-z0-9-]+$")])
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/Bogota")
    language = models.CharField(_("default language"), max_length=8, default="es",
                                choices=settings.LANGUAGES)
    country = models.CharField(_("country"), max_length=2, default="CO")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant (client company)")
        verbose_name_plural = _("tenants (client companies)")

    def __str__(self) -> str:
        return self.name


class TenantQuerySet(models.QuerySet[Any]):
    """The one mechanism that scopes reads: every tenant-owned query starts here."""

    def for_tenant(self, tenant: Tenant) -> TenantQuerySet:
        return self.filter(tenant=tenant)


class TenantOwned(models.Model):
    """Abstract base for every row that belongs to a client company."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("tenant"))

    objects: ClassVar[Manager[Any]] = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        """Refuse references to another tenant's rows (admin forms and the API both call this)."""
        super().clean()
        if not self.tenant_id:
            return
        for field in self._meta.concrete_fields:
            related = field.related_model
            if (field.is_relation and isinstance(related, type)
                    and issubclass(related, TenantOwned)):
                value = getattr(self, field.attname)
                if value is not None and not related.objects.filter(
                        pk=value, tenant_id=self.tenant_id).exists():
                    raise ValidationError({field.name: "belongs to another tenant"})


class Role(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", _("Tenant admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    CLIENT_VIEWER = "client_viewer", _("Client viewer")


class Membership(TenantOwned):
    """A user's role in one tenant; shared agents have one membership per client."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant_id} ({self.role})"
