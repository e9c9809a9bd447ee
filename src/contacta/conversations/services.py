"""Writes for conversations and messages. Every function takes the tenant explicitly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacta.connectors.models import Inbox, InboxKind, InboxRule, MessageTemplate
from contacta.connectors.windows import reply_policy
from contacta.contacts.models import ContactIdentity
from contacta.contacts.services import contact_for_channel_identity, contact_resolve
from contacta.conversations.models import (
    OPEN_STATUSES,
    Attachment,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    RoutingSegment,
    SegmentKind,
    Status,
)
from contacta.conversations.notify import notify_conversation
from contacta.conversations.payloads import conversation_payload, message_payload
from contacta.core.routing.agent_states import OfferTimedOut, WrapUpStarted
from contacta.core.routing.model import Channel
from contacta.errors import ConflictError, DomainError, ForbiddenError, NotFoundError
from contacta.routing.hours import queue_is_open
from contacta.routing.models import AgentProfile, Disposition, Queue
from contacta.routing.services import agent_apply
from contacta.routing.wakeup import notify as wake_router
from contacta.tenants.models import Tenant


def _segment(tenant: Tenant, conv: Conversation, kind: str, at: datetime, *,
             agent: AgentProfile | None = None, queue: Queue | None = None,
             detail: str = "") -> None:
    RoutingSegment.objects.create(tenant=tenant, conversation=conv, kind=kind, at=at,
                                  agent=agent, queue=queue or conv.queue, detail=detail[:255])


def _announce(tenant: Tenant, conv: Conversation, kind: str, *, visitor: bool = False,
              agents: bool = True, supervisors: bool = False) -> None:
    notify_conversation(tenant, conv, {"type": kind, "conversation": conversation_payload(conv)},
                        visitor=visitor, agents=agents, supervisors=supervisors)


def _check_body(body: str, has_attachments: bool) -> str:
    body = body.strip()
    if not body and not has_attachments:
        raise DomainError("the message is empty", field="body")
    if len(body) > settings.MESSAGE_MAX_CHARS:
        raise DomainError(f"the message is longer than {settings.MESSAGE_MAX_CHARS} characters",
                          field="body")
    return body


def _check_client_id(client_id: str) -> str:
    if len(client_id) > 64:
        raise DomainError("client_id is longer than 64 characters", field="client_id")
    return client_id


def queue_for_topic(tenant: Tenant, inbox: Inbox, topic: str) -> Queue:
    rule = InboxRule.objects.for_tenant(tenant).filter(inbox=inbox, topic=topic).first()
    queue_id = rule.queue_id if rule else inbox.default_queue_id
    return Queue.objects.for_tenant(tenant).select_related("business_hours").get(pk=queue_id)


def conversation_start(*, tenant: Tenant, inbox: Inbox, visitor_token: str, name: str = "",
                       email: str = "", phone: str = "", topic: str = "") -> Conversation:
    """Open (or resume) the visitor's chat in this inbox and put it in the topic's queue."""
    if inbox.tenant_id != tenant.pk:
        raise NotFoundError("inbox not found", field="inbox")
    if topic and not InboxRule.objects.for_tenant(tenant).filter(inbox=inbox, topic=topic).exists():
        raise DomainError("unknown topic", field="topic")
    now = timezone.now()
    with transaction.atomic():
        contact = contact_resolve(tenant=tenant, visitor_token=visitor_token, name=name,
                                  email=email, phone=phone)
        existing = (Conversation.objects.for_tenant(tenant)
                    .filter(inbox=inbox, contact=contact, status__in=OPEN_STATUSES).first())
        if existing is not None:
            return existing
        queue = queue_for_topic(tenant, inbox, topic)
        conv = Conversation.objects.create(tenant=tenant, inbox=inbox, contact=contact,
                                           queue=queue, topic=topic, status=Status.QUEUED,
                                           queued_at=now, queue_entered_at=now)
        _segment(tenant, conv, SegmentKind.ENQUEUED, now, queue=queue)
        if inbox.greeting:
            Message.objects.create(tenant=tenant, conversation=conv, direction=Direction.SYSTEM,
                                   body=inbox.greeting)
        _arrive(tenant, conv, queue, now)
        transaction.on_commit(wake_router)
    return conv


CHANNEL_OF_KIND = {InboxKind.EMAIL: Channel.EMAIL, InboxKind.VOICE: Channel.VOICE}


def conversation_for_identity(*, tenant: Tenant, inbox: Inbox, kind: str, value: str,
                              name: str = "", topic: str = "", queue: Queue | None = None,
                              always_new: bool = False,
                              channel: Channel | None = None) -> Conversation:
    """The open conversation of the contact behind a channel identity, or a new queued one
    (in `queue`, an IVR's choice, else the inbox's default queue). Each phone call is its own
    conversation (always_new): one caller id often stands for a whole switchboard."""
    if inbox.tenant_id != tenant.pk:
        raise NotFoundError("inbox not found", field="inbox")
    now = timezone.now()
    with transaction.atomic():
        identity = (ContactIdentity.objects.for_tenant(tenant).select_related("contact")
                    .filter(kind=kind, value=value).first())
        if identity is None:
            contact = contact_for_channel_identity(tenant=tenant, kind=kind, value=value,
                                                   name=name)
        else:
            contact = identity.contact
        existing = None if always_new else (
            Conversation.objects.for_tenant(tenant)
            .filter(inbox=inbox, contact=contact, status__in=OPEN_STATUSES).first())
        if existing is not None:
            return existing
        queue = Queue.objects.for_tenant(tenant).select_related("business_hours").get(
            pk=queue.pk if queue is not None else inbox.default_queue_id)
        channel = channel or CHANNEL_OF_KIND.get(InboxKind(inbox.kind), Channel.MESSAGING)
        conv = Conversation.objects.create(tenant=tenant, inbox=inbox, contact=contact,
                                           channel=channel, queue=queue, topic=topic[:100],
                                           status=Status.QUEUED, queued_at=now,
                                           queue_entered_at=now)
        _segment(tenant, conv, SegmentKind.ENQUEUED, now, queue=queue)
        _arrive(tenant, conv, queue, now)
        transaction.on_commit(wake_router)
    return conv


def last_inbound_at(tenant: Tenant, conv: Conversation) -> datetime | None:
    """When the customer last wrote in this conversation (platform reply windows start here)."""
    return (Message.objects.for_tenant(tenant)
            .filter(conversation=conv, direction=Direction.INBOUND)
            .order_by("-created_at").values_list("created_at", flat=True).first())


def _last_agent(tenant: Tenant, conv: Conversation) -> AgentProfile | None:
    earlier = (Conversation.objects.for_tenant(tenant)
               .filter(contact=conv.contact, assignee__isnull=False).exclude(pk=conv.pk)
               .order_by("-created_at").select_related("assignee").first())
    return earlier.assignee if earlier else None


def _arrive(tenant: Tenant, conv: Conversation, queue: Queue, now: datetime) -> None:
    """A new conversation meets its queue: closed hours, a full queue, or a sticky agent."""
    if not queue_is_open(queue, now):
        if queue.closed_action:
            conversation_overflow(tenant, conv, now=now, kind=queue.closed_action,
                                  to_queue_id=queue.closed_queue_id, reason="closed")
            return
        if queue.closed_message:
            Message.objects.create(tenant=tenant, conversation=conv, direction=Direction.SYSTEM,
                                   body=queue.closed_message)
    if queue.max_waiting is not None:
        waiting = (Conversation.objects.for_tenant(tenant)
                   .filter(queue=queue, status__in=[Status.QUEUED, Status.OFFERED])
                   .exclude(pk=conv.pk).count())
        if waiting >= queue.max_waiting:
            conversation_overflow(tenant, conv, now=now,
                                  kind=queue.overflow_action or "message",
                                  to_queue_id=queue.overflow_queue_id, reason="max_waiting")
            return
    if queue.sticky_seconds:
        owner_id = conv.contact.owner_agent_id
        last = (AgentProfile.objects.for_tenant(tenant).filter(pk=owner_id).first()
                if owner_id else _last_agent(tenant, conv))
        if last is not None:
            conv.preferred_agent = last
            conv.preferred_until = now + timedelta(seconds=queue.sticky_seconds)
            conv.save(update_fields=["preferred_agent", "preferred_until"])
    _announce(tenant, conv, "conversation.queued", agents=False, supervisors=True)


OVERFLOW_TEXT = {
    "callback": "Todos nuestros asesores están ocupados. Le contactaremos en breve. / "
                "All our agents are busy. We will contact you shortly.",
    "message": "En este momento no podemos atenderle por este canal. / "
               "We cannot serve you on this channel right now.",
}


def conversation_overflow(tenant: Tenant, conv: Conversation, *, now: datetime, kind: str,
                          to_queue_id: int | None, reason: str) -> None:
    """Apply a queue's overflow or closed action: move to another queue, or close with a
    callback promise or a message. Recorded as an OVERFLOWED routing segment."""
    source = conv.queue
    target = (Queue.objects.for_tenant(tenant).filter(pk=to_queue_id).first()
              if kind == "queue" and to_queue_id else None)
    _segment(tenant, conv, SegmentKind.OVERFLOWED, now, queue=source,
             detail=f"{reason}:{kind}" + (f":{target.pk}" if target else ""))
    if target is not None and (source is None or target.pk != source.pk):
        conv.queue = target
        conv.queue_entered_at = now
        conv.status = Status.QUEUED
        conv.offered_to = None
        conv.offer_expires_at = None
        conv.save(update_fields=["queue", "queue_entered_at", "status", "offered_to",
                                 "offer_expires_at"])
        _segment(tenant, conv, SegmentKind.ENQUEUED, now, queue=target, detail=reason)
        transaction.on_commit(wake_router)
        _announce(tenant, conv, "conversation.overflowed", agents=False, supervisors=True)
        return
    text = ""
    if source is not None:
        text = (source.closed_message if reason == "closed" else source.overflow_message)
    note = Message.objects.create(tenant=tenant, conversation=conv, direction=Direction.SYSTEM,
                                  body=text or OVERFLOW_TEXT.get(kind, OVERFLOW_TEXT["message"]))
    notify_conversation(tenant, conv, {"type": "message.created",
                                       "message": message_payload(note, for_visitor=True)},
                        visitor=True, agents=False)
    conv.status = Status.CLOSED
    conv.closed_at = now
    conv.save(update_fields=["status", "closed_at"])
    _announce(tenant, conv, "conversation.overflowed", visitor=True, agents=False,
              supervisors=True)
    _announce(tenant, conv, "conversation.closed", visitor=True, agents=False)


def _attachments_for(tenant: Tenant, conv: Conversation, ids: Sequence[int]) -> list[Attachment]:
    if not ids:
        return []
    found = list(Attachment.objects.for_tenant(tenant)
                 .filter(conversation=conv, pk__in=ids, message__isnull=True))
    if len(found) != len(set(ids)):
        raise DomainError("unknown or already used attachment", field="attachment_ids")
    return found


def _store_message(tenant: Tenant, conv: Conversation, *, direction: str, body: str,
                   client_id: str, attachment_ids: Sequence[int],
                   agent: AgentProfile | None = None,
                   status: str = DeliveryStatus.SENT,
                   provider_id: str = "") -> tuple[Message, bool]:
    """Create the message unless this client_id was already stored (then return that one)."""
    client_id = _check_client_id(client_id)
    if len(attachment_ids) > 5:
        raise DomainError("at most 5 attachments per message", field="attachment_ids")
    if client_id:
        known = Message.objects.for_tenant(tenant).filter(conversation=conv,
                                                          client_id=client_id).first()
        if known is not None:
            return known, False
    attachments = _attachments_for(tenant, conv, attachment_ids)
    body = _check_body(body, bool(attachments))
    try:
        with transaction.atomic():
            msg = Message.objects.create(tenant=tenant, conversation=conv, direction=direction,
                                         body=body, client_id=client_id, sender_agent=agent,
                                         status=status, provider_id=provider_id[:128])
    except IntegrityError:
        # The same client_id raced in from a retry on another connection: keep the first.
        return Message.objects.for_tenant(tenant).get(conversation=conv, client_id=client_id), False
    for att in attachments:
        att.message = msg
        att.save(update_fields=["message"])
    return msg, True


def message_receive(*, tenant: Tenant, conversation: Conversation, body: str,
                    client_id: str = "", attachment_ids: Sequence[int] = (),
                    provider_id: str = "") -> Message:
    """A customer's message arrives (idempotent on client_id)."""
    if conversation.status == Status.CLOSED:
        raise ConflictError("the conversation is closed", field="conversation")
    with transaction.atomic():
        msg, created = _store_message(tenant, conversation, direction=Direction.INBOUND,
                                      body=body, client_id=client_id,
                                      attachment_ids=attachment_ids, provider_id=provider_id)
        if created:
            event = {"type": "message.created", "message": message_payload(msg)}
            notify_conversation(tenant, conversation, event, visitor=True)
    return msg


MAX_OPTIONS = 10  # a WhatsApp list holds 10 rows, the most any channel shows
MAX_OPTION_CHARS = 24  # a WhatsApp list row title


def _check_options(options: Sequence[str], *, note: bool) -> list[str] | None:
    """Quick-reply options: a few short, distinct labels; never on an internal note."""
    if not options:
        return None
    if note:
        raise DomainError("an internal note has no options", field="options")
    cleaned = [str(o).strip() for o in options]
    if len(cleaned) > MAX_OPTIONS:
        raise DomainError(f"at most {MAX_OPTIONS} options", field="options")
    if any(not o or len(o) > MAX_OPTION_CHARS for o in cleaned):
        raise DomainError(f"each option has 1 to {MAX_OPTION_CHARS} characters", field="options")
    if len({o.casefold() for o in cleaned}) != len(cleaned):
        raise DomainError("the options repeat", field="options")
    return cleaned


def message_send(*, tenant: Tenant, conversation: Conversation, agent: AgentProfile, body: str,
                 client_id: str = "", note: bool = False,
                 attachment_ids: Sequence[int] = (), supervising: bool = False,
                 options: Sequence[str] = ()) -> Message:
    """An agent replies (or writes an internal note, which the customer never sees),
    optionally offering quick-reply options."""
    if conversation.status == Status.CLOSED:
        raise ConflictError("the conversation is closed", field="conversation")
    if conversation.assignee_id != agent.pk and not supervising:
        raise ForbiddenError("the conversation is not assigned to you", field="conversation")
    checked_options = _check_options(options, note=note)
    if checked_options and not body.strip():
        raise DomainError("options need a text that introduces them", field="body")
    # Provider channels go through the outbox: stored PENDING, sent by the worker with retries.
    via_outbox = not note and conversation.inbox.kind != InboxKind.WEBCHAT
    if via_outbox:
        policy = reply_policy(conversation.inbox.kind, last_inbound_at(tenant, conversation),
                              timezone.now())
        if not policy.allowed:
            raise ConflictError(policy.reason, field="body")
    with transaction.atomic():
        direction = Direction.NOTE if note else Direction.OUTBOUND
        msg, created = _store_message(tenant, conversation, direction=direction, body=body,
                                      client_id=client_id, attachment_ids=attachment_ids,
                                      agent=agent,
                                      status=DeliveryStatus.PENDING if via_outbox
                                      else DeliveryStatus.SENT)
        if created and checked_options:
            msg.options = checked_options
            msg.save(update_fields=["options"])
        if created and via_outbox:
            transaction.on_commit(wake_router)
        if created:
            if not note and conversation.first_response_at is None:
                conversation.first_response_at = msg.created_at
                conversation.save(update_fields=["first_response_at"])
            notify_conversation(tenant, conversation, {
                "type": "message.created", "message": message_payload(msg)}, agents=True)
            if not note:
                notify_conversation(tenant, conversation, {
                    "type": "message.created",
                    "message": message_payload(msg, for_visitor=True)},
                    visitor=True, agents=False)
    return msg


def template_send(*, tenant: Tenant, conversation: Conversation, agent: AgentProfile,
                  template_id: int, variables: Sequence[str],
                  supervising: bool = False) -> Message:
    """Send an approved template (WhatsApp allows only these outside its 24-hour window)."""
    if conversation.status == Status.CLOSED:
        raise ConflictError("the conversation is closed", field="conversation")
    if conversation.assignee_id != agent.pk and not supervising:
        raise ForbiddenError("the conversation is not assigned to you", field="conversation")
    template = (MessageTemplate.objects.for_tenant(tenant)
                .filter(pk=template_id, inbox_id=conversation.inbox_id).first())
    if template is None:
        raise NotFoundError("no such template for this inbox", field="template_id")
    if template.status != "APPROVED":
        raise ConflictError("the template is not approved", field="template_id")
    values = [str(v).strip() for v in variables]
    if len(values) != template.variables or any(not v or len(v) > 1024 for v in values):
        raise DomainError(f"the template needs {template.variables} non-empty values",
                          field="variables")
    with transaction.atomic():
        msg = Message.objects.create(
            tenant=tenant, conversation=conversation, direction=Direction.OUTBOUND,
            sender_agent=agent, body=template.render(values), status=DeliveryStatus.PENDING,
            template={"name": template.name, "language": template.language,
                      "variables": values})
        notify_conversation(tenant, conversation, {"type": "message.created",
                                                   "message": message_payload(msg)})
        transaction.on_commit(wake_router)
    return msg


def reply_options(tenant: Tenant, conversation: Conversation) -> dict[str, object]:
    """Whether the agent may write freely now, why not, and the templates they may use."""
    policy = reply_policy(conversation.inbox.kind, last_inbound_at(tenant, conversation),
                          timezone.now())
    templates = MessageTemplate.objects.for_tenant(tenant).filter(
        inbox_id=conversation.inbox_id, status="APPROVED")
    return {"free_text": policy.allowed, "reason": policy.reason,
            "templates": [{"id": t.pk, "name": t.name, "language": t.language,
                           "body": t.body, "variables": t.variables} for t in templates]}


def messages_mark(*, tenant: Tenant, conversation: Conversation, reader: str, up_to_id: int,
                  status: str) -> int:
    """Mark the other side's messages delivered or read, up to an id (marks only move forward)."""
    if status not in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        raise DomainError("status must be delivered or read", field="status")
    written_by = Direction.OUTBOUND if reader == "visitor" else Direction.INBOUND
    before = ([DeliveryStatus.SENT] if status == DeliveryStatus.DELIVERED
              else [DeliveryStatus.SENT, DeliveryStatus.DELIVERED])
    now = timezone.now()
    stamp = {"delivered_at": now} if status == DeliveryStatus.DELIVERED else {"read_at": now}
    with transaction.atomic():
        changed = (Message.objects.for_tenant(tenant)
                   .filter(conversation=conversation, direction=written_by, pk__lte=up_to_id,
                           status__in=before)
                   .update(status=status, **stamp))
        if changed:
            event = {"type": "message.status", "conversation_id": conversation.pk,
                     "up_to_id": up_to_id, "direction": written_by, "status": status}
            notify_conversation(tenant, conversation, event, visitor=True)
    return changed


def conversation_offer(tenant: Tenant, conv: Conversation, agent: AgentProfile, *,
                       now: datetime, auto_accept: bool) -> None:
    """Routing decided: offer `conv` to `agent` (the worker calls this inside its transaction)."""
    queue = conv.queue
    timeout = queue.offer_timeout_seconds if queue else 30
    conv.status = Status.OFFERED
    conv.offered_to = agent
    conv.offered_at = now
    conv.offer_expires_at = now + timedelta(seconds=timeout)
    conv.save(update_fields=["status", "offered_to", "offered_at", "offer_expires_at"])
    agent.last_offer_at = now
    agent.save(update_fields=["last_offer_at"])
    _segment(tenant, conv, SegmentKind.OFFERED, now, agent=agent)
    if auto_accept:
        _accept(tenant, conv, agent, now, detail="auto")
    else:
        _announce(tenant, conv, "conversation.offered", supervisors=True)


def _accept(tenant: Tenant, conv: Conversation, agent: AgentProfile, now: datetime,
            detail: str = "") -> None:
    conv.status = Status.ASSIGNED
    conv.assignee = agent
    conv.offered_to = None
    conv.offer_expires_at = None
    conv.accepted_at = conv.accepted_at or now
    conv.priority_boost = 0
    conv.save(update_fields=["status", "assignee", "offered_to", "offer_expires_at",
                             "accepted_at", "priority_boost"])
    _segment(tenant, conv, SegmentKind.ACCEPTED, now, agent=agent, detail=detail)
    agent.idle_since = None
    agent.save(update_fields=["idle_since"])
    payload = conversation_payload(conv)
    payload["agent_name"] = agent.user.first_name or agent.user.get_username()
    notify_conversation(tenant, conv, {"type": "conversation.assigned", "conversation": payload},
                        visitor=True, supervisors=True)


def _locked(tenant: Tenant, conv: Conversation) -> Conversation:
    return Conversation.objects.for_tenant(tenant).select_for_update(of=("self",)).select_related(
        "queue", "contact", "inbox").get(pk=conv.pk)


def conversation_accept(*, tenant: Tenant, conversation: Conversation,
                        agent: AgentProfile) -> Conversation:
    with transaction.atomic():
        conv = _locked(tenant, conversation)
        if conv.status != Status.OFFERED or conv.offered_to_id != agent.pk:
            raise ConflictError("this conversation is no longer offered to you",
                                field="conversation")
        _accept(tenant, conv, agent, timezone.now())
    return conv


def _requeue(conv: Conversation, *, boost: int = 1) -> None:
    """Back to waiting, keeping its place: queued_at (and so FIFO order) is unchanged."""
    conv.status = Status.QUEUED
    conv.offered_to = None
    conv.offer_expires_at = None
    conv.priority_boost = max(conv.priority_boost, boost)
    conv.save(update_fields=["status", "offered_to", "offer_expires_at", "priority_boost"])
    transaction.on_commit(wake_router)


def conversation_reject(*, tenant: Tenant, conversation: Conversation,
                        agent: AgentProfile) -> Conversation:
    with transaction.atomic():
        conv = _locked(tenant, conversation)
        if conv.status != Status.OFFERED or conv.offered_to_id != agent.pk:
            raise ConflictError("this conversation is no longer offered to you",
                                field="conversation")
        _segment(tenant, conv, SegmentKind.REJECTED, timezone.now(), agent=agent)
        _requeue(conv)
        _announce(tenant, conv, "conversation.offer_revoked", agents=False, supervisors=True)
        notify_conversation(tenant, conv, {"type": "conversation.offer_revoked",
                                           "conversation": conversation_payload(conv)},
                            extra_agent_ids=(agent.pk,))
    return conv


def conversation_offer_expire(tenant: Tenant, conv: Conversation, *, now: datetime) -> None:
    """RONA: the offer timed out; the agent goes not-ready and the chat is re-offered first."""
    agent = conv.offered_to
    if agent is None:
        return
    _segment(tenant, conv, SegmentKind.TIMED_OUT, now, agent=agent)
    _requeue(conv)
    notify_conversation(tenant, conv, {"type": "conversation.offer_revoked",
                                       "conversation": conversation_payload(conv),
                                       "reason": "timeout"},
                        extra_agent_ids=(agent.pk,), supervisors=True)
    agent_apply(tenant, agent, OfferTimedOut(), now=now)


def conversation_transfer(*, tenant: Tenant, conversation: Conversation, by: AgentProfile,
                          queue: Queue | None = None, agent: AgentProfile | None = None,
                          supervising: bool = False) -> Conversation:
    """Hand the conversation to another queue, or offer it to one named agent."""
    if (queue is None) == (agent is None):
        raise DomainError("name exactly one of queue or agent", field="queue")
    now = timezone.now()
    with transaction.atomic():
        conv = _locked(tenant, conversation)
        if conv.status != Status.ASSIGNED:
            raise ConflictError("only an assigned conversation can be transferred",
                                field="conversation")
        if conv.assignee_id != by.pk and not supervising:
            raise ForbiddenError("the conversation is not assigned to you", field="conversation")
        previous = conv.assignee
        if agent is not None and agent.pk == conv.assignee_id:
            raise DomainError("the conversation is already yours", field="agent")
        target = f"agent:{agent.pk}" if agent else f"queue:{queue.pk}"  # type: ignore[union-attr]
        _segment(tenant, conv, SegmentKind.TRANSFERRED, now, agent=previous, detail=target)
        conv.assignee = None
        if queue is not None:
            conv.queue = queue
            conv.queue_entered_at = now
        conv.status = Status.QUEUED
        conv.preferred_agent = None
        conv.preferred_until = None
        conv.save(update_fields=["assignee", "queue", "queue_entered_at", "status",
                                 "preferred_agent", "preferred_until"])
        _segment(tenant, conv, SegmentKind.ENQUEUED, now, queue=conv.queue, detail=target)
        if agent is not None:
            conv.offered_to = agent  # a direct transfer is an offer to that agent only
            conv.status = Status.OFFERED
            conv.offered_at = now
            timeout = conv.queue.offer_timeout_seconds if conv.queue else 30
            conv.offer_expires_at = now + timedelta(seconds=timeout)
            conv.save(update_fields=["offered_to", "status", "offered_at", "offer_expires_at"])
            _segment(tenant, conv, SegmentKind.OFFERED, now, agent=agent, detail="transfer")
            _announce(tenant, conv, "conversation.offered", supervisors=True)
        else:
            transaction.on_commit(wake_router)
        notify_conversation(tenant, conv, {"type": "conversation.transferred",
                                           "conversation": conversation_payload(conv)},
                            agents=False, visitor=True, supervisors=True,
                            extra_agent_ids=(previous.pk,) if previous else ())
        if previous is not None:
            notify_conversation(tenant, conv, {"type": "conversation.transferred",
                                               "conversation": conversation_payload(conv)},
                                agents=False, extra_agent_ids=(previous.pk,))
            _free_agent_if_idle(tenant, previous, now)
    return conv


def _free_agent_if_idle(tenant: Tenant, agent: AgentProfile, now: datetime) -> None:
    busy = Conversation.objects.for_tenant(tenant).filter(
        assignee=agent, status=Status.ASSIGNED).exists()
    if not busy:
        agent.idle_since = now
        agent.save(update_fields=["idle_since"])
    transaction.on_commit(wake_router)


def conversation_close(*, tenant: Tenant, conversation: Conversation, agent: AgentProfile,
                       disposition_code: str, note: str = "",
                       supervising: bool = False) -> Conversation:
    """Close with a disposition; the agent's wrap-up time starts before the next offer."""
    now = timezone.now()
    with transaction.atomic():
        conv = _locked(tenant, conversation)
        if conv.status != Status.ASSIGNED:
            raise ConflictError("only an assigned conversation can be closed",
                                field="conversation")
        if conv.assignee_id != agent.pk and not supervising:
            raise ForbiddenError("the conversation is not assigned to you", field="conversation")
        disposition = (Disposition.objects.for_tenant(tenant)
                       .filter(queue=conv.queue, code=disposition_code).first())
        if disposition is None:
            raise DomainError("choose one of this queue's dispositions", field="disposition")
        note = note.strip()
        if disposition.requires_note and not note:
            raise DomainError("this disposition requires a note", field="note")
        if len(note) > settings.MESSAGE_MAX_CHARS:
            raise DomainError("the note is too long", field="note")
        handler = conv.assignee
        conv.status = Status.CLOSED
        conv.closed_at = now
        conv.disposition = disposition
        conv.disposition_note = note
        conv.save(update_fields=["status", "closed_at", "disposition", "disposition_note"])
        _segment(tenant, conv, SegmentKind.CLOSED, now, agent=handler, detail=disposition.code)
        _announce(tenant, conv, "conversation.closed", visitor=True, supervisors=True)
        if handler is not None:
            wrap = conv.queue.wrap_up_seconds if conv.queue else 0
            agent_apply(tenant, handler, WrapUpStarted(wrap), now=now)
            _free_agent_if_idle(tenant, handler, now)
    return conv


def conversation_abandon(*, tenant: Tenant, conversation: Conversation) -> Conversation:
    """The customer left. Before an agent took it, that is an abandon; after, a close."""
    now = timezone.now()
    with transaction.atomic():
        conv = _locked(tenant, conversation)
        if conv.status == Status.CLOSED:
            return conv
        if conv.status == Status.ASSIGNED:
            Message.objects.create(tenant=tenant, conversation=conv, direction=Direction.SYSTEM,
                                   body="customer_left")
            notify_conversation(tenant, conv, {"type": "conversation.customer_left",
                                               "conversation": conversation_payload(conv)})
            return conv
        offered = conv.offered_to
        _segment(tenant, conv, SegmentKind.ABANDONED, now,
                 detail=f"waited {(now - (conv.queued_at or now)).total_seconds():.0f}s")
        conv.status = Status.CLOSED
        conv.closed_at = now
        conv.offered_to = None
        conv.offer_expires_at = None
        conv.save(update_fields=["status", "closed_at", "offered_to", "offer_expires_at"])
        notify_conversation(tenant, conv, {"type": "conversation.offer_revoked",
                                           "conversation": conversation_payload(conv),
                                           "reason": "abandoned"},
                            extra_agent_ids=(offered.pk,) if offered else (), supervisors=True)
    return conv
