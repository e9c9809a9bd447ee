"""What WebSocket frames do: thin async wrappers over the services (database in a thread)."""

from __future__ import annotations

from typing import Any, TypeGuard

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contacta.connectors.webchat.selectors import visitor_conversation, visitor_history
from contacta.conversations.models import Conversation, DeliveryStatus, Status
from contacta.conversations.payloads import conversation_payload
from contacta.conversations.services import conversation_abandon, message_receive, messages_mark
from contacta.errors import DomainError
from contacta.ratelimit import allow
from contacta.realtime.db import db_async
from contacta.realtime.events import agent_group, send_event_on_commit, visitor_group
from contacta.routing.models import AgentProfile
from contacta.routing.selectors import queue_positions
from contacta.routing.services import agent_heartbeat
from contacta.tenants.models import Tenant


def _str_field(data: dict[str, Any], name: str, max_len: int) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise DomainError(f"{name} must be a string", field=name)
    if len(value) > max_len:
        raise DomainError(f"{name} is too long", field=name)
    return value


MAX_ID = 2**63 - 1  # the database's bigint: a larger number is an error there, not a miss


def is_id(value: Any) -> TypeGuard[int]:
    """A non-negative integer the database can compare (JSON has no integer limit)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def _int_field(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if not is_id(value):
        raise DomainError(f"{name} must be a non-negative integer", field=name)
    return value


@db_async
def visitor_locate(inbox_key: str, token: str) -> tuple[Tenant, int] | None:
    conv = visitor_conversation(inbox_key=inbox_key, visitor_token=token)
    return (conv.tenant, conv.pk) if conv is not None else None


@db_async
def visitor_welcome(tenant: Tenant, conversation_id: int, after_id: int) -> dict[str, Any]:
    """State and missed messages, read after the socket joined its group so nothing falls
    between the two (the client drops anything it already has by message id)."""
    conv = (Conversation.objects.for_tenant(tenant)
            .select_related("tenant", "queue", "inbox", "contact").get(pk=conversation_id))
    place = None
    if conv.status == Status.QUEUED and conv.queue is not None:
        found = queue_positions(tenant, conv.queue, timezone.now()).get(conv.pk)
        if found:
            place = {"position": found[0], "estimated_wait_s": found[1]}
    return {"type": "hello", "conversation": conversation_payload(conv), "queue": place,
            "messages": visitor_history(conv, after_id=after_id)}


def _conversation(tenant: Tenant, conversation_id: int) -> Conversation:
    return Conversation.objects.for_tenant(tenant).select_related("queue").get(pk=conversation_id)


@db_async
def visitor_message(tenant: Tenant, conversation_id: int, data: dict[str, Any]) -> None:
    if not allow(f"t{tenant.pk}:visitor-msg:{conversation_id}",
                 settings.PUBLIC_RATE_LIMIT_PER_MINUTE):
        raise DomainError("too many messages; wait a moment", field="body")
    attachment_ids = data.get("attachment_ids", [])
    if not isinstance(attachment_ids, list) or not all(is_id(i) for i in attachment_ids):
        raise DomainError("attachment_ids must be a list of integers", field="attachment_ids")
    message_receive(tenant=tenant, conversation=_conversation(tenant, conversation_id),
                    body=_str_field(data, "body", settings.MESSAGE_MAX_CHARS * 2),
                    client_id=_str_field(data, "client_id", 64), attachment_ids=attachment_ids)


@db_async
def visitor_typing(tenant: Tenant, conversation_id: int, is_typing: bool) -> None:
    conv = _conversation(tenant, conversation_id)
    if conv.assignee_id:
        with transaction.atomic():
            send_event_on_commit(tenant, [agent_group(tenant.pk, conv.assignee_id)], {
                "type": "typing", "conversation_id": conv.pk, "who": "contact",
                "is_typing": is_typing})


@db_async
def visitor_ack(tenant: Tenant, conversation_id: int, data: dict[str, Any]) -> None:
    status = _str_field(data, "status", 20) or DeliveryStatus.DELIVERED
    messages_mark(tenant=tenant, conversation=_conversation(tenant, conversation_id),
                  reader="visitor", up_to_id=_int_field(data, "up_to_id"), status=status)


@db_async
def visitor_leave(tenant: Tenant, conversation_id: int) -> None:
    conversation_abandon(tenant=tenant, conversation=_conversation(tenant, conversation_id))


@db_async
def agent_id_for(tenant: Tenant, user: Any) -> int | None:
    agent = AgentProfile.objects.for_tenant(tenant).filter(user=user).first()
    return agent.pk if agent else None


@db_async
def agent_seen(tenant: Tenant, agent_id: int) -> None:
    agent_heartbeat(tenant, AgentProfile.objects.for_tenant(tenant).get(pk=agent_id))


def _assigned(tenant: Tenant, agent_id: int, data: dict[str, Any]) -> Conversation:
    conv = (Conversation.objects.for_tenant(tenant)
            .filter(pk=_int_field(data, "conversation_id"), assignee_id=agent_id,
                    status=Status.ASSIGNED).first())
    if conv is None:
        raise DomainError("not one of your conversations", field="conversation_id")
    return conv


@db_async
def agent_typing(tenant: Tenant, agent_id: int, data: dict[str, Any]) -> None:
    conv = _assigned(tenant, agent_id, data)
    with transaction.atomic():
        send_event_on_commit(tenant, [visitor_group(tenant.pk, conv.pk)], {
            "type": "typing", "conversation_id": conv.pk, "who": "agent",
            "is_typing": bool(data.get("is_typing"))})


@db_async
def agent_read(tenant: Tenant, agent_id: int, data: dict[str, Any]) -> None:
    conv = _assigned(tenant, agent_id, data)
    messages_mark(tenant=tenant, conversation=conv, reader="agent",
                  up_to_id=_int_field(data, "up_to_id"), status=DeliveryStatus.READ)
