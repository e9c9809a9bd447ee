"""Inboxes: a configured channel instance of a tenant (one package per kind under connectors/)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from contacta.routing.models import Queue
from contacta.tenants.models import TenantOwned


class InboxKind(models.TextChoices):
    WEBCHAT = "webchat", _("Web chat")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MESSENGER = "messenger", _("Facebook Messenger")
    INSTAGRAM = "instagram", _("Instagram")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS (HTTP aggregator)")
    SMPP = "smpp", _("SMS (SMPP)")
    VOICE = "voice", _("Voice (SIP)")


def new_public_key() -> str:
    return secrets.token_urlsafe(16)


class Inbox(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=InboxKind.choices,
                            default=InboxKind.WEBCHAT)
    # Public: it is in the customer's page. It identifies the inbox, it does not authorise staff.
    public_key = models.CharField(max_length=40, unique=True, default=new_public_key, editable=False)
    default_queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    greeting = models.CharField(_("greeting"), max_length=500, blank=True)
    pre_chat_form = models.BooleanField(_("pre-chat form"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Provider credentials are never stored: this names the environment variable holding them.
    credential_env = models.CharField(
        _("credential environment variable"), max_length=100, blank=True,
        help_text=_("e.g. CONTACTA_TELEGRAM_TOKEN_BANCO; the secret itself stays out of the "
                    "database, the logs and the API."))
    api_base_url = models.URLField(_("provider API base URL"), blank=True,
                                   help_text=_("Empty: the provider's public API."))
    provider_account_id = models.CharField(
        _("provider account id"), max_length=64, blank=True,
        help_text=_("WhatsApp phone-number id, Facebook page id... (not a secret)."))

    class Meta:
        # A phone number reaches one client company: two voice inboxes may not share a DID.
        constraints = [models.UniqueConstraint(
            fields=["provider_account_id"], name="one_voice_inbox_per_number",
            condition=models.Q(kind="voice") & ~models.Q(provider_account_id=""))]

    def __str__(self) -> str:
        return self.name


class MessageTemplate(TenantOwned):
    """A provider-approved message template (WhatsApp), synced from the provider's API."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=15)
    category = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=30)
    body = models.TextField(help_text=_("The BODY component, with {{1}}, {{2}}... variables."))
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "language"]
        constraints = [models.UniqueConstraint(fields=["inbox", "name", "language"],
                                               name="uniq_template")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def variables(self) -> int:
        import re

        return len(set(re.findall(r"\{\{(\d+)\}\}", self.body)))

    def render(self, values: list[str]) -> str:
        text = self.body
        for number, value in enumerate(values, start=1):
            text = text.replace(f"{{{{{number}}}}}", value)
        return text


class InboundEvent(TenantOwned):
    """A provider's webhook delivery, stored raw before any processing (idempotent on the
    provider's id): a crash after the 200 answer never loses it."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="inbound_events")
    provider_event_id = models.CharField(max_length=128)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inbox", "provider_event_id"],
                                               name="uniq_inbound_event")]
        indexes = [models.Index(fields=["tenant", "processed_at"])]


class InboxRule(TenantOwned):
    """Topic -> queue: the pre-chat form offers these topics, in order."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="rules")
    topic = models.CharField(_("topic"), max_length=100)
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["inbox", "topic"], name="uniq_inbox_topic")]

    def __str__(self) -> str:
        return self.topic
