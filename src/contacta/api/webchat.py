"""The public web-chat API: no staff login; the inbox key names the tenant, a visitor token the
customer. Rate-limited per client address and inbox."""

import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from contacta.connectors.models import Inbox, InboxRule
from contacta.connectors.webchat.selectors import (
    inbox_by_key,
    visitor_conversation,
    visitor_history,
)
from contacta.conversations.attachments import attachment_store
from contacta.conversations.models import Conversation
from contacta.conversations.payloads import attachment_payload, conversation_payload
from contacta.conversations.services import conversation_start
from contacta.errors import DomainError, NotFoundError
from contacta.ratelimit import allow

router = Router(tags=["webchat"], auth=None)


class TooManyRequestsError(DomainError):
    status_code = 429


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _inbox(request: HttpRequest, inbox_key: str, action: str, limit: int | None = None) -> Inbox:
    inbox = inbox_by_key(inbox_key)
    if inbox is None:
        raise NotFoundError("chat not found", field="inbox_key")
    budget = limit or settings.PUBLIC_RATE_LIMIT_PER_MINUTE
    if not allow(f"t{inbox.tenant_id}:webchat:{action}:{inbox.pk}:{_client_ip(request)}", budget):
        raise TooManyRequestsError("too many requests; try again in a minute")
    return inbox


def _visitor_conversation(request: HttpRequest, inbox_key: str) -> Conversation:
    token = request.headers.get("X-Visitor-Token", "")
    conv = visitor_conversation(inbox_key=inbox_key, visitor_token=token) if token else None
    if conv is None:
        raise NotFoundError("no conversation for this visitor", field="X-Visitor-Token")
    return conv


@router.get("/webchat/{inbox_key}", response=dict[str, Any])
def webchat_config(request: HttpRequest, inbox_key: str) -> Any:
    inbox = _inbox(request, inbox_key, "config")
    topics = InboxRule.objects.for_tenant(inbox.tenant).filter(inbox=inbox)
    return {"name": inbox.name, "greeting": inbox.greeting, "pre_chat_form": inbox.pre_chat_form,
            "topics": [r.topic for r in topics], "language": inbox.tenant.language,
            "max_message_chars": settings.MESSAGE_MAX_CHARS,
            "max_upload_bytes": settings.UPLOAD_MAX_BYTES}


class StartIn(Schema):
    visitor_token: str = Field("", max_length=128)
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    topic: str = Field("", max_length=100)


@router.post("/webchat/{inbox_key}/conversations", response={201: dict[str, Any]})
def webchat_start(request: HttpRequest, inbox_key: str, payload: StartIn) -> Any:
    """Start (or resume) the visitor's conversation; returns the token to keep in the browser."""
    inbox = _inbox(request, inbox_key, "start", limit=settings.PUBLIC_START_RATE_LIMIT_PER_MINUTE)
    token = payload.visitor_token
    if token and len(token) < 16:
        raise DomainError("visitor_token must have at least 16 characters", field="visitor_token")
    token = token or secrets.token_urlsafe(24)
    conv = conversation_start(tenant=inbox.tenant, inbox=inbox, visitor_token=token,
                              name=payload.name, email=payload.email, phone=payload.phone,
                              topic=payload.topic)
    return Status(201, {"visitor_token": token, "conversation": conversation_payload(conv)})


@router.get("/webchat/{inbox_key}/messages", response=list[dict[str, Any]])
def webchat_messages(request: HttpRequest, inbox_key: str, after_id: int = 0) -> Any:
    _inbox(request, inbox_key, "read")
    return visitor_history(_visitor_conversation(request, inbox_key), after_id=max(after_id, 0))


@router.post("/webchat/{inbox_key}/attachments", response={201: dict[str, Any]})
def webchat_upload(request: HttpRequest, inbox_key: str,
                   file: UploadedFile = File(...)) -> Any:  # type: ignore[type-arg]  # noqa: B008
    inbox = _inbox(request, inbox_key, "upload", limit=10)
    conv = _visitor_conversation(request, inbox_key)
    att = attachment_store(tenant=inbox.tenant, conversation=conv, upload=file)
    return Status(201, attachment_payload(att, for_visitor=True))
