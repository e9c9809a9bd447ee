"""JSON shapes shared by the REST API and the real-time events (docs/events.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from contacta.conversations.models import Attachment, Conversation, Message


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


VISITOR_FILE_SALT = "contacta.webchat.attachment"


def public_file_url(att: Attachment) -> str:
    """An absolute signed link to the file for a provider that fetches media by URL (Twilio
    MMS, Instagram); empty when the installation has no public address configured."""
    base = settings.PUBLIC_URL.rstrip("/")
    if not base:
        return ""
    signed = signing.dumps(att.pk, salt=VISITOR_FILE_SALT)
    return base + reverse("webchat-attachment", args=[signed])


def attachment_payload(att: Attachment, *, for_visitor: bool = False) -> dict[str, Any]:
    # Customers get a signed link (an <img> cannot send their token); staff links check the
    # session and the tenant on every download.
    url = (reverse("webchat-attachment", args=[signing.dumps(att.pk, salt=VISITOR_FILE_SALT)])
           if for_visitor else reverse("attachment-download", args=[att.pk]))
    return {"id": att.pk, "name": att.name, "content_type": att.content_type,
            "size_bytes": att.size_bytes, "url": url}


def message_payload(msg: Message, *, for_visitor: bool = False) -> dict[str, Any]:
    sender = ""
    if msg.sender_agent_id is not None and msg.sender_agent is not None:
        user = msg.sender_agent.user
        sender = user.first_name or user.get_username()
    return {
        "id": msg.pk,
        "conversation_id": msg.conversation_id,
        "direction": msg.direction,
        "body": msg.body,
        "sender": sender,
        "client_id": msg.client_id,
        "status": msg.status,
        "status_reason": msg.status_reason,
        "created_at": _iso(msg.created_at),
        "attachments": [attachment_payload(a, for_visitor=for_visitor)
                        for a in msg.attachments.all()],
        "options": msg.options or [],
    }


def conversation_payload(conv: Conversation) -> dict[str, Any]:
    contact = conv.contact
    return {
        "id": conv.pk,
        "channel": conv.channel,
        "status": conv.status,
        "topic": conv.topic,
        "inbox": {"id": conv.inbox_id, "name": conv.inbox.name, "kind": conv.inbox.kind},
        "queue": {"id": conv.queue_id, "name": conv.queue.name} if conv.queue else None,
        "assignee_id": conv.assignee_id,
        "offered_to_id": conv.offered_to_id,
        "offer_expires_at": _iso(conv.offer_expires_at),
        "contact": {"id": contact.pk, "name": contact.name, "email": contact.email,
                    "phone": contact.phone},
        "created_at": _iso(conv.created_at),
        "queued_at": _iso(conv.queued_at),
        "offered_at": _iso(conv.offered_at),
        "accepted_at": _iso(conv.accepted_at),
        "first_response_at": _iso(conv.first_response_at),
        "closed_at": _iso(conv.closed_at),
        "disposition": conv.disposition.code if conv.disposition else None,
        "disposition_note": conv.disposition_note,
    }
