"""Reads for conversations, with who-may-see-what applied in one place."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from contacta.conversations.models import OPEN_STATUSES, Conversation, Message, Status
from contacta.conversations.payloads import conversation_payload, message_payload
from contacta.errors import DomainError, NotFoundError
from contacta.routing.models import AgentProfile
from contacta.tenants.models import Tenant

MAX_PAGE = 200


def visible_conversations(tenant: Tenant, agent: AgentProfile | None,
                          see_all: bool) -> QuerySet[Conversation]:
    """Supervisors and client viewers see the tenant's conversations; an agent sees their own
    and the history of the contacts they are serving right now."""
    base = Conversation.objects.for_tenant(tenant).select_related("queue", "contact", "inbox",
                                                                    "disposition")
    if see_all:
        return base
    if agent is None:
        return base.none()
    mine = Q(assignee=agent) | Q(offered_to=agent)
    serving = (Conversation.objects.for_tenant(tenant)
               .filter(mine, status__in=OPEN_STATUSES).values("contact_id"))
    handled = Q(segments__agent=agent, segments__kind="accepted")
    return base.filter(mine | Q(contact_id__in=serving) | handled).distinct()


def conversation_search(queryset: QuerySet[Conversation], *, status: str = "",
                        queue_id: int | None = None, assignee_id: int | None = None,
                        q: str = "", limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    if status:
        if status not in Status.values and status != "open":
            raise DomainError("unknown status", field="status")
        queryset = (queryset.filter(status__in=OPEN_STATUSES) if status == "open"
                    else queryset.filter(status=status))
    if queue_id is not None:
        queryset = queryset.filter(queue_id=queue_id)
    if assignee_id is not None:
        queryset = queryset.filter(assignee_id=assignee_id)
    if q:
        if len(q) > 200:
            raise DomainError("the search is too long", field="q")
        matches = (Q(contact__name__icontains=q) | Q(contact__email__icontains=q)
                   | Q(contact__phone__icontains=q) | Q(topic__icontains=q)
                   | Q(messages__body__icontains=q))
        queryset = queryset.filter(matches).distinct()
    if not 1 <= limit <= MAX_PAGE:
        raise DomainError(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if offset < 0:
        raise DomainError("offset must not be negative", field="offset")
    return [conversation_payload(c) for c in queryset.order_by("-created_at")[offset:offset + limit]]


def conversation_get(queryset: QuerySet[Conversation], pk: int) -> Conversation:
    conv = queryset.filter(pk=pk).first()
    if conv is None:
        raise NotFoundError("conversation not found", field="conversation")
    return conv


def conversation_messages(tenant: Tenant, conv: Conversation,
                          after_id: int = 0) -> list[dict[str, Any]]:
    messages = (Message.objects.for_tenant(tenant).filter(conversation=conv, pk__gt=after_id)
                .select_related("sender_agent__user").prefetch_related("attachments"))
    return [message_payload(m) for m in messages]
