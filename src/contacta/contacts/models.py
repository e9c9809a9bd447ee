"""A contact is one person, reachable through identities on several channels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from contacta.tenants.models import TenantOwned


class Contact(TenantOwned):
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # The account owner (e.g. the collections agent who holds this debtor): offered first.
    owner_agent = models.ForeignKey("routing.AgentProfile", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="owned_contacts",
                                    verbose_name=_("account owner"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"#{self.pk}"


class IdentityKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WEBCHAT = "webchat", _("Web chat visitor")
    TELEGRAM = "telegram", _("Telegram chat")
    WHATSAPP = "whatsapp", _("WhatsApp number")
    MESSENGER = "messenger", _("Messenger page-scoped id")
    INSTAGRAM = "instagram", _("Instagram-scoped id")


class ContactIdentity(TenantOwned):
    """How we recognise the contact on one channel (a phone, an email, a chat visitor token)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    value = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind", "value"],
                                               name="uniq_identity")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
