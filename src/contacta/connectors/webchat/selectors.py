"""Reads for the public web chat: an inbox by its public key, a visitor's conversation."""

from __future__ import annotations

from typing import Any

from contacta.connectors.models import Inbox, InboxKind
from contacta.contacts.models import ContactIdentity, IdentityKind
from contacta.contacts.services import visitor_identity_value
from contacta.conversations.models import OPEN_STATUSES, Conversation, Direction, Message
from contacta.conversations.payloads import message_payload


def inbox_by_key(inbox_key: str) -> Inbox | None:
    if not inbox_key or len(inbox_key) > 40:
        return None
    return (Inbox.objects.select_related("tenant", "default_queue")
            .filter(public_key=inbox_key, kind=InboxKind.WEBCHAT, is_active=True,
                    tenant__is_active=True).first())


def visitor_conversation(*, inbox_key: str, visitor_token: str) -> Conversation | None:
    """The visitor's open conversation in this inbox, else their latest one."""
    inbox = inbox_by_key(inbox_key)
    if inbox is None:
        return None
    identity = (ContactIdentity.objects.for_tenant(inbox.tenant)
                .filter(kind=IdentityKind.WEBCHAT, value=visitor_identity_value(visitor_token))
                .first())
    if identity is None:
        return None
    convs = (Conversation.objects.for_tenant(inbox.tenant)
             .filter(inbox=inbox, contact_id=identity.contact_id)
             .select_related("tenant", "queue", "inbox", "contact"))
    return convs.filter(status__in=OPEN_STATUSES).first() or convs.first()


def visitor_history(conv: Conversation, *, after_id: int = 0) -> list[dict[str, Any]]:
    """What the customer may see: everything but internal notes."""
    messages = (Message.objects.for_tenant(conv.tenant)
                .filter(conversation=conv, pk__gt=after_id).exclude(direction=Direction.NOTE)
                .select_related("sender_agent__user").prefetch_related("attachments"))
    return [message_payload(m, for_visitor=True) for m in messages]
