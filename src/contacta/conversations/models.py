"""Conversations, their messages and attachments, and the routing segments reports are made of."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from contacta.connectors.models import Inbox
from contacta.contacts.models import Contact
from contacta.core.routing.model import Channel
from contacta.routing.models import AgentProfile, Disposition, Queue
from contacta.tenants.models import TenantOwned


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    OFFERED = "offered", _("Offered")
    ASSIGNED = "assigned", _("Assigned")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.QUEUED, Status.OFFERED, Status.ASSIGNED)


class Conversation(TenantOwned):
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="conversations")
    channel = models.CharField(max_length=20, choices=[(c.value, c.value) for c in Channel],
                               default=Channel.CHAT)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversations")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="conversations")
    assignee = models.ForeignKey(AgentProfile, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="conversations")
    # Pending offer (status OFFERED): who and until when.
    offered_to = models.ForeignKey(AgentProfile, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    priority_boost = models.SmallIntegerField(default=0)
    # When it entered its current queue (widening and maximum wait count from here).
    queue_entered_at = models.DateTimeField(null=True, blank=True)
    # Sticky routing: offered first to this agent until preferred_until.
    preferred_agent = models.ForeignKey(AgentProfile, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    preferred_until = models.DateTimeField(null=True, blank=True)
    topic = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    disposition = models.ForeignKey(Disposition, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    disposition_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "status"]),
                   models.Index(fields=["tenant", "contact"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} {self.status}"


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("System")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Message(TenantOwned):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    sender_agent = models.ForeignKey(AgentProfile, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(blank=True)
    # Idempotency key from the sender (chat client, API client); a retry never duplicates.
    client_id = models.CharField(max_length=64, blank=True)
    provider_id = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.SENT)
    status_reason = models.CharField(max_length=255, blank=True)
    # A template send (WhatsApp outside the 24-hour window): {"name", "language", "variables"}.
    template = models.JSONField(null=True, blank=True)
    # Quick-reply options offered with the text; each channel shows them its own way
    # (WhatsApp buttons or list, Telegram inline keyboard, Messenger quick replies).
    options = models.JSONField(null=True, blank=True)
    # Outbox: a reply to a provider channel is stored PENDING and sent by the worker.
    send_attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(
            fields=["conversation", "client_id"], condition=~models.Q(client_id=""),
            name="uniq_message_client_id")]


def attachment_path(instance: Attachment, filename: str) -> str:
    # Tenant first in every stored path: one tenant's files never share a folder with another's.
    return f"tenants/{instance.tenant_id}/attachments/{instance.conversation_id}/{filename}"


class Attachment(TenantOwned):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class SegmentKind(models.TextChoices):
    ENQUEUED = "enqueued", _("Enqueued")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    TIMED_OUT = "timed_out", _("Timed out (RONA)")
    TRANSFERRED = "transferred", _("Transferred")
    ABANDONED = "abandoned", _("Abandoned")
    OVERFLOWED = "overflowed", _("Overflowed")
    CLOSED = "closed", _("Closed")


class RoutingSegment(TenantOwned):
    """One routing fact with its time: the raw material of every report."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="segments")
    kind = models.CharField(max_length=20, choices=SegmentKind.choices)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    agent = models.ForeignKey(AgentProfile, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField()
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "kind", "at"])]
