"""Conversations: list and search, read, post messages and notes, accept, transfer, close."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from contacta.api.scope import current_agent, get_or_404, scope, supervising
from contacta.contacts.models import Contact
from contacta.contacts.services import contact_merge
from contacta.conversations.attachments import attachment_store
from contacta.conversations.payloads import attachment_payload, conversation_payload
from contacta.conversations.selectors import (
    conversation_get,
    conversation_messages,
    conversation_search,
    visible_conversations,
)
from contacta.conversations.services import (
    conversation_accept,
    conversation_close,
    conversation_reject,
    conversation_transfer,
    message_send,
    reply_options,
    template_send,
)
from contacta.routing.models import AgentProfile, Queue
from contacta.tenants.access import Capability, can
from contacta.tenants.models import Tenant

router = Router(tags=["conversations"])
BASE = "/tenants/{tenant}/conversations"


def visible_to(request: HttpRequest, tenant: Tenant) -> Any:
    """The conversations this user may see here: all for supervisors and viewers, else theirs."""
    see_all = can(request.user, tenant, Capability.SUPERVISE) or not can(
        request.user, tenant, Capability.HANDLE)
    agent = AgentProfile.objects.for_tenant(tenant).filter(user=request.user).first()
    return visible_conversations(tenant, agent, see_all)


@router.get(BASE, response=list[dict[str, Any]])
def conversations_list(request: HttpRequest, tenant: str, *, status: str = "",
                       queue_id: int | None = None, assignee_id: int | None = None,
                       q: str = "", limit: int = 50, offset: int = 0) -> Any:
    t = scope(request, tenant)
    return conversation_search(visible_to(request, t), status=status, queue_id=queue_id,
                               assignee_id=assignee_id, q=q, limit=limit, offset=offset)


@router.get(BASE + "/{conversation_id}", response=dict[str, Any])
def conversation_detail(request: HttpRequest, tenant: str, conversation_id: int) -> Any:
    t = scope(request, tenant)
    return conversation_payload(conversation_get(visible_to(request, t), conversation_id))


@router.get(BASE + "/{conversation_id}/messages", response=list[dict[str, Any]])
def messages_list(request: HttpRequest, tenant: str, conversation_id: int,
                  after_id: int = 0) -> Any:
    t = scope(request, tenant)
    conv = conversation_get(visible_to(request, t), conversation_id)
    return conversation_messages(t, conv, after_id=max(after_id, 0))


class MessageIn(Schema):
    body: str = Field("", max_length=8000)
    client_id: str = Field("", max_length=64)
    note: bool = False
    attachment_ids: list[int] = Field(default_factory=list, max_length=5)
    options: list[str] = Field(default_factory=list, max_length=10)


@router.post(BASE + "/{conversation_id}/messages", response={201: dict[str, Any]})
def message_post(request: HttpRequest, tenant: str, conversation_id: int,
                 payload: MessageIn) -> Any:
    t = scope(request, tenant, Capability.HANDLE)
    conv = conversation_get(visible_to(request, t), conversation_id)
    msg = message_send(tenant=t, conversation=conv, agent=current_agent(request, t),
                       body=payload.body, client_id=payload.client_id, note=payload.note,
                       attachment_ids=payload.attachment_ids,
                       supervising=supervising(request, t), options=payload.options)
    return Status(201, {"id": msg.pk, "status": msg.status, "client_id": msg.client_id})


@router.post(BASE + "/{conversation_id}/attachments", response={201: dict[str, Any]})
def attachment_upload(request: HttpRequest, tenant: str, conversation_id: int,
                      file: UploadedFile = File(...)) -> Any:  # type: ignore[type-arg]  # noqa: B008
    t = scope(request, tenant, Capability.HANDLE)
    conv = conversation_get(visible_to(request, t), conversation_id)
    return Status(201, attachment_payload(attachment_store(tenant=t, conversation=conv, upload=file)))


@router.post(BASE + "/{conversation_id}/accept", response=dict[str, Any])
def conversation_accept_view(request: HttpRequest, tenant: str, conversation_id: int) -> Any:
    t = scope(request, tenant, Capability.HANDLE)
    conv = conversation_get(visible_to(request, t), conversation_id)
    return conversation_payload(
        conversation_accept(tenant=t, conversation=conv, agent=current_agent(request, t)))


@router.post(BASE + "/{conversation_id}/reject", response=dict[str, Any])
def conversation_reject_view(request: HttpRequest, tenant: str, conversation_id: int) -> Any:
    t = scope(request, tenant, Capability.HANDLE)
    conv = conversation_get(visible_to(request, t), conversation_id)
    return conversation_payload(
        conversation_reject(tenant=t, conversation=conv, agent=current_agent(request, t)))


@router.get(BASE + "/{conversation_id}/reply-options", response=dict[str, Any])
def reply_options_view(request: HttpRequest, tenant: str, conversation_id: int) -> Any:
    """Free text allowed now (platform windows), and the approved templates otherwise."""
    t = scope(request, tenant, Capability.HANDLE)
    return reply_options(t, conversation_get(visible_to(request, t), conversation_id))


class TemplateIn(Schema):
    template_id: int
    variables: list[str] = Field(default_factory=list, max_length=20)


@router.post(BASE + "/{conversation_id}/templates", response={201: dict[str, Any]})
def template_post(request: HttpRequest, tenant: str, conversation_id: int,
                  payload: TemplateIn) -> Any:
    t = scope(request, tenant, Capability.HANDLE)
    conv = conversation_get(visible_to(request, t), conversation_id)
    msg = template_send(tenant=t, conversation=conv, agent=current_agent(request, t),
                        template_id=payload.template_id, variables=payload.variables,
                        supervising=supervising(request, t))
    return Status(201, {"id": msg.pk, "status": msg.status, "body": msg.body})


class TransferIn(Schema):
    queue_id: int | None = None
    agent_id: int | None = None


@router.post(BASE + "/{conversation_id}/transfer", response=dict[str, Any])
def conversation_transfer_view(request: HttpRequest, tenant: str, conversation_id: int,
                               payload: TransferIn) -> Any:
    t = scope(request, tenant, Capability.HANDLE)
    conv = conversation_get(visible_to(request, t), conversation_id)
    queue = (get_or_404(Queue.objects.for_tenant(t), payload.queue_id, "queue_id")
             if payload.queue_id is not None else None)
    agent = (get_or_404(AgentProfile.objects.for_tenant(t), payload.agent_id, "agent_id")
             if payload.agent_id is not None else None)
    return conversation_payload(conversation_transfer(
        tenant=t, conversation=conv, by=current_agent(request, t), queue=queue, agent=agent,
        supervising=supervising(request, t)))


class CloseIn(Schema):
    disposition: str = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=8000)


@router.post(BASE + "/{conversation_id}/close", response=dict[str, Any])
def conversation_close_view(request: HttpRequest, tenant: str, conversation_id: int,
                            payload: CloseIn) -> Any:
    t = scope(request, tenant, Capability.HANDLE)
    conv = conversation_get(visible_to(request, t), conversation_id)
    return conversation_payload(conversation_close(
        tenant=t, conversation=conv, agent=current_agent(request, t),
        disposition_code=payload.disposition, note=payload.note,
        supervising=supervising(request, t)))


class ContactPatch(Schema):
    name: str | None = Field(None, max_length=200)
    owner_agent_id: int | None = Field(None, description="account owner, offered first")


@router.patch("/tenants/{tenant}/contacts/{contact_id}", response=dict[str, Any],
              tags=["contacts"])
def contact_update(request: HttpRequest, tenant: str, contact_id: int,
                   payload: ContactPatch) -> Any:
    """Supervisors name an account owner (sticky routing) or correct the name."""
    t = scope(request, tenant, Capability.SUPERVISE)
    contact = get_or_404(Contact.objects.for_tenant(t), contact_id, "contact")
    data = payload.model_dump(exclude_unset=True)
    if "owner_agent_id" in data and data["owner_agent_id"] is not None:
        get_or_404(AgentProfile.objects.for_tenant(t), data["owner_agent_id"], "owner_agent_id")
    for field, value in data.items():
        setattr(contact, field, value if value is not None or field != "name" else "")
    contact.full_clean()
    contact.save()
    return {"id": contact.pk, "name": contact.name, "owner_agent_id": contact.owner_agent_id}


class MergeIn(Schema):
    other_id: int


@router.post("/tenants/{tenant}/contacts/{contact_id}/merge", response=dict[str, Any],
             tags=["contacts"])
def contact_merge_view(request: HttpRequest, tenant: str, contact_id: int,
                       payload: MergeIn) -> Any:
    """The same person known twice (e.g. web chat and WhatsApp): keep this one."""
    t = scope(request, tenant, Capability.HANDLE)
    visible = visible_to(request, t)
    if not supervising(request, t) and not visible.filter(contact_id=contact_id).exists():
        get_or_404(Contact.objects.none(), contact_id, "contact")
    keep = get_or_404(Contact.objects.for_tenant(t), contact_id, "contact")
    other = get_or_404(Contact.objects.for_tenant(t), payload.other_id, "other_id")
    contact_merge(tenant=t, keep=keep, absorb=other)
    return {"id": keep.pk, "name": keep.name, "email": keep.email, "phone": keep.phone,
            "merged": payload.other_id}


@router.get("/tenants/{tenant}/contacts/{contact_id}", response=dict[str, Any], tags=["contacts"])
def contact_card(request: HttpRequest, tenant: str, contact_id: int) -> Any:
    """The contact with every conversation the caller may see, from any channel."""
    t = scope(request, tenant)
    history = visible_to(request, t).filter(contact_id=contact_id)
    if not history.exists():  # an agent sees only contacts they serve; nobody sees other tenants'
        get_or_404(Contact.objects.none(), contact_id, "contact")
    contact = get_or_404(Contact.objects.for_tenant(t).prefetch_related("identities"),
                         contact_id, "contact")
    return {
        "id": contact.pk, "name": contact.name, "email": contact.email, "phone": contact.phone,
        "owner_agent_id": contact.owner_agent_id,
        "identities": [{"kind": i.kind, "value": i.value if i.kind != "webchat" else ""}
                       for i in contact.identities.all()],
        "conversations": [conversation_payload(c) for c in history.order_by("-created_at")[:100]],
    }
