"""Voice on the database side: calls become conversations in the same routing kernel, and each
step of a call (queued, ringing an agent, answered, abandoned, recorded) lands here. The call
controller (voice/control.py) calls these from its event loop; every function takes the
tenant explicitly or finds it from the call's own row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacta.connectors.models import Inbox, InboxKind
from contacta.contacts.models import IdentityKind
from contacta.contacts.services import phone_normalize
from contacta.conversations.models import (
    Attachment,
    Conversation,
    Direction,
    Message,
    Status,
)
from contacta.conversations.notify import notify_conversation
from contacta.conversations.payloads import conversation_payload, message_payload
from contacta.conversations.services import (
    conversation_abandon,
    conversation_accept,
    conversation_for_identity,
    conversation_offer_expire,
    conversation_transfer,
)
from contacta.core.routing.model import Channel
from contacta.errors import ConflictError, DomainError, NotFoundError
from contacta.routing.hours import queue_is_open
from contacta.routing.models import AgentProfile, Queue
from contacta.routing.wakeup import notify as wake_router
from contacta.tenants.models import Tenant
from contacta.voice.models import (
    AgentPhone,
    Call,
    CallOutcome,
    CallStatus,
    VoiceCommand,
    VoiceInbox,
)

SIP_USER = re.compile(r"sips?:([^@;>]+)@")
DEFAULT_AHT_SECONDS = 240.0  # until a queue has history, an estimate of a call's length


def number_of(uri: str) -> str:
    """The user part of a SIP URI ("sip:573001234567@host" -> "573001234567")."""
    found = SIP_USER.search(uri)
    return found.group(1) if found else uri.strip("<>")


@dataclass(frozen=True)
class Arrival:
    call_id: int
    tenant_id: int
    language: str
    flow: dict[str, Any]
    is_open: bool
    closed_message: str
    voicemail: bool
    callback_digit: str
    comfort_interval_seconds: int


def call_arrive(*, leg: str, caller_uri: str, called_uri: str) -> Arrival | None:
    """A call reached a number: the tenant's voice inbox for it, or None (unknown number)."""
    did = number_of(called_uri)
    inbox = (Inbox.objects.select_related("tenant", "default_queue__business_hours")
             .filter(kind=InboxKind.VOICE, provider_account_id=did, is_active=True,
                     tenant__is_active=True).first())
    if inbox is None:
        return None
    voice = VoiceInbox.objects.filter(inbox=inbox).first() or VoiceInbox(
        tenant=inbox.tenant, inbox=inbox)
    call = Call.objects.create(tenant=inbox.tenant, inbox=inbox, caller=number_of(caller_uri),
                               called=did, customer_leg=leg)
    queue = inbox.default_queue
    return Arrival(call_id=call.pk, tenant_id=inbox.tenant_id, language=voice.language,
                   flow=voice.ivr or {}, is_open=queue is None or queue_is_open(queue,
                                                                               timezone.now()),
                   closed_message=voice.closed_message or "@closed",
                   voicemail=voice.voicemail_when_closed,
                   callback_digit=voice.callback_digit or "*",
                   comfort_interval_seconds=voice.comfort_interval_seconds)


def _call(call_id: int) -> Call:
    return Call.objects.select_related("tenant", "inbox", "conversation").get(pk=call_id)


def _caller_phone(call: Call) -> str:
    """The caller's number as a phone identity, E.164 when it is a number (trunks often send
    it without the +), so the caller meets their WhatsApp and SMS history."""
    raw = call.caller if call.caller.startswith("+") else f"+{call.caller}"
    try:
        return phone_normalize(raw, call.tenant.country)
    except ValidationError:
        return raw  # an extension or a SIP user name: kept as it came


def call_enqueue(call_id: int, queue_id: int | None, ivr_path: str) -> int:
    """The IVR chose a queue: the call becomes a queued voice conversation of the caller's
    contact (matched by phone across channels)."""
    call = _call(call_id)
    tenant = call.tenant
    queue = (Queue.objects.for_tenant(tenant).filter(pk=queue_id).first()
             if queue_id is not None else None)
    conv = conversation_for_identity(tenant=tenant, inbox=call.inbox,
                                     kind=IdentityKind.PHONE.value, value=_caller_phone(call),
                                     topic=f"📞 {call.caller}", queue=queue,
                                     always_new=True)
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(conversation=conv, status=CallStatus.QUEUED,
                                           queued_at=now, ivr_path=ivr_path[:40])
    return conv.pk


@dataclass(frozen=True)
class QueueView:
    status: str  # the conversation's: queued, offered, assigned, closed
    offered_agent_id: int | None
    agent_uri: str
    offer_seconds_left: float


def calls_routing_view(call_ids: list[int]) -> dict[int, QueueView]:
    """Where each live call stands in routing (offered to whom, with their phone), in two
    queries for all of them: the controller asks this several times a second."""
    rows = list(Call.objects.filter(pk__in=call_ids, conversation__isnull=False)
                .values("pk", "tenant_id", "conversation__status",
                        "conversation__offered_to_id", "conversation__offer_expires_at"))
    offered = {r["conversation__offered_to_id"] for r in rows
               if r["conversation__status"] == Status.OFFERED}
    now = timezone.now()
    phones = {phone.agent_id: phone.target(now)
              for phone in AgentPhone.objects.filter(agent_id__in=offered)}
    views = {}
    for row in rows:
        status = row["conversation__status"]
        agent_id = row["conversation__offered_to_id"] if status == Status.OFFERED else None
        expires = row["conversation__offer_expires_at"]
        views[row["pk"]] = QueueView(
            status=status, offered_agent_id=agent_id, agent_uri=phones.get(agent_id, ""),
            offer_seconds_left=max(0.0, (expires - now).total_seconds()) if expires else 0.0)
    return views


def call_position(call_id: int) -> tuple[int, float]:
    """The caller's place in line and an estimate of the wait in seconds."""
    call = _call(call_id)
    conv = call.conversation
    if conv is None or conv.queue_id is None:
        return 1, DEFAULT_AHT_SECONDS
    ahead = Conversation.objects.for_tenant(call.tenant).filter(
        queue_id=conv.queue_id, status__in=[Status.QUEUED, Status.OFFERED],
        queued_at__lt=conv.queued_at).count()
    staffed = max(1, AgentProfile.objects.for_tenant(call.tenant)
                  .filter(status__in=["available", "busy"]).count())
    return ahead + 1, (ahead + 1) * DEFAULT_AHT_SECONDS / staffed


def call_mark(call_id: int, *, status: str | None = None, muted: bool | None = None,
              pauses: list[dict[str, Any]] | None = None) -> None:
    """What the desktop shows of a call in progress: held, muted, recording paused."""
    fields: dict[str, Any] = {}
    if status is not None:
        fields["status"] = status
    if muted is not None:
        fields["muted"] = muted
    if pauses is not None:
        fields["recording_pauses"] = pauses
    Call.objects.filter(pk=call_id).exclude(status=CallStatus.ENDED).update(**fields)


def call_handover(call_id: int, from_agent_id: int | None, to_agent_id: int) -> None:
    """A consultative transfer completed: the conversation is the second agent's now (one
    transaction, so routing never sees it waiting in between)."""
    call = _call(call_id)
    conv = call.conversation
    if conv is None or from_agent_id is None:
        return
    agents = AgentProfile.objects.for_tenant(call.tenant)
    with transaction.atomic():
        moved = conversation_transfer(tenant=call.tenant, conversation=conv,
                                      by=agents.get(pk=from_agent_id),
                                      agent=agents.get(pk=to_agent_id), supervising=True)
        conversation_accept(tenant=call.tenant, conversation=moved,
                            agent=agents.get(pk=to_agent_id))


def call_agent_ringing(call_id: int, leg: str) -> None:
    Call.objects.filter(pk=call_id).update(status=CallStatus.RINGING, agent_leg=leg)


def call_agent_answered(call_id: int, agent_id: int) -> bool:
    """The agent's phone was answered: that is the agent accepting the offer."""
    call = _call(call_id)
    agent = AgentProfile.objects.for_tenant(call.tenant).get(pk=agent_id)
    assert call.conversation is not None
    conv = call.conversation
    try:
        if conv.status == Status.OFFERED:
            conversation_accept(tenant=call.tenant, conversation=conv, agent=agent)
        elif conv.assignee_id != agent.pk:
            return False
    except ConflictError:
        return False  # the offer expired while the phone was picked up
    # The row says connected once the bridge is up (VoiceControl._connect), not here: for
    # click-to-call the customer's phone only starts ringing now.
    Call.objects.filter(pk=call_id).update(answered_at=call.answered_at or timezone.now())
    return True


def call_agent_missed(call_id: int, agent_id: int) -> None:
    """The agent's phone did not answer (or was busy): RONA, the call goes to the next agent
    and keeps its place."""
    call = _call(call_id)
    Call.objects.filter(pk=call_id).update(status=CallStatus.QUEUED, agent_leg="")
    conv = call.conversation
    if conv is None:
        return
    with transaction.atomic():
        conv = Conversation.objects.for_tenant(call.tenant).select_for_update().get(pk=conv.pk)
        if conv.status == Status.OFFERED and conv.offered_to_id == agent_id:
            conversation_offer_expire(call.tenant, conv, now=timezone.now())


def call_end(call_id: int, *, outcome: str, cause: str) -> None:
    """The customer's leg ended. Waiting, that is an abandon (with its wait); talking, the
    conversation stays with the agent for wrap-up and disposition, as a chat does."""
    call = _call(call_id)
    now = timezone.now()
    if call.status == CallStatus.ENDED:
        return
    conv = call.conversation
    waited = (now - call.queued_at).total_seconds() if call.queued_at else None
    if conv is not None and conv.status in {Status.QUEUED, Status.OFFERED}:
        if outcome in {CallOutcome.CALLBACK, CallOutcome.VOICEMAIL}:
            pass  # stays queued: a callback keeps its place, a voicemail waits for an agent
        else:
            conversation_abandon(tenant=call.tenant, conversation=conv)
            outcome = outcome if outcome == CallOutcome.DROPPED else CallOutcome.ABANDONED
    elif conv is not None and conv.status == Status.ASSIGNED:
        conversation_abandon(tenant=call.tenant, conversation=conv)  # "customer left" note
    if call.answered_at is not None and call.queued_at is not None:
        waited = (call.answered_at - call.queued_at).total_seconds()
    Call.objects.filter(pk=call_id).update(status=CallStatus.ENDED, outcome=outcome,
                                           ended_at=now, hangup_cause=cause[:60],
                                           wait_seconds=waited)


def call_callback(call_id: int) -> None:
    """Virtual hold: the caller hangs up but keeps their place; when an agent is offered the
    conversation, the agent's phone rings first, then the customer is called."""
    Call.objects.filter(pk=call_id).update(callback_requested=True)


def recording_path(tenant_id: int, call_id: int) -> Path:
    path = (Path(settings.MEDIA_ROOT) / "tenants" / str(tenant_id) / "recordings"
            / f"call-{call_id}.wav")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def call_recording_store(call_id: int, path: str, pauses: list[dict[str, Any]],
                         body: str = "call_recording") -> int | None:
    """The finished recording joins the conversation's timeline, playable in the desktop."""
    call = _call(call_id)
    file = Path(path)
    if call.conversation is None or not file.exists() or file.stat().st_size <= 44:
        return None
    relative = file.relative_to(Path(settings.MEDIA_ROOT))
    with transaction.atomic():
        message = Message.objects.create(
            tenant=call.tenant, conversation=call.conversation, direction=Direction.SYSTEM,
            body=body)
        attachment = Attachment.objects.create(
            tenant=call.tenant, conversation=call.conversation, message=message,
            name=f"grabacion-llamada-{call.pk}.wav", content_type="audio/wav",
            size_bytes=file.stat().st_size, file=str(relative))
        Call.objects.filter(pk=call_id).update(recording=attachment, recording_pauses=pauses)
        notify_conversation(call.tenant, call.conversation, {
            "type": "message.created", "message": message_payload(message)})
        if pauses:  # PCI: when the recording holds silence on purpose, beside the recording
            spans = ",".join(f"{p['paused_at']}-{p['resumed_at'] or ''}" for p in pauses)
            note = Message.objects.create(
                tenant=call.tenant, conversation=call.conversation,
                direction=Direction.SYSTEM, body=f"recording_paused:{spans}")
            notify_conversation(call.tenant, call.conversation, {
                "type": "message.created", "message": message_payload(note)})
    return attachment.pk


def call_voicemail_store(call_id: int, path: str) -> int | None:
    """A voicemail becomes a task in the inbox's queue, offered when agents are back: the
    message plays in the desktop, and the contact card calls the customer back."""
    call = _call(call_id)
    if not Path(path).exists() or Path(path).stat().st_size <= 44:
        return None
    conv = conversation_for_identity(tenant=call.tenant, inbox=call.inbox,
                                     kind=IdentityKind.PHONE.value, value=_caller_phone(call),
                                     topic=f"📼 {call.caller}", always_new=True,
                                     channel=Channel.TASK)
    Call.objects.filter(pk=call_id).update(conversation=conv)
    return call_recording_store(call_id, path, [], body="voicemail")


def commands_due(limit: int = 50) -> list[VoiceCommand]:
    return list(VoiceCommand.objects.filter(done_at__isnull=True).select_related("call")
                .order_by("id")[:limit])


def command_done(command_id: int, error: str = "") -> None:
    VoiceCommand.objects.filter(pk=command_id).update(done_at=timezone.now(), error=error[:255])


def voice_command(*, tenant: Tenant, conversation: Conversation, op: str,
                  args: dict[str, Any] | None = None) -> VoiceCommand:
    """An agent's call control, for the voice process (API and desktop call this)."""
    call = Call.objects.for_tenant(tenant).filter(conversation=conversation).first()
    if call is None:
        raise NotFoundError("this conversation has no call", field="conversation")
    if call.status == CallStatus.ENDED and op != "dial":
        raise ConflictError("the call has ended", field="conversation")
    command = VoiceCommand.objects.create(tenant=tenant, call=call, op=op, args=args or {})
    transaction.on_commit(wake_router)
    return command


def click_to_call(*, tenant: Tenant, agent: AgentProfile, contact_id: int,
                  inbox_id: int | None = None, now: datetime | None = None) -> Call:
    """An agent calls a contact: the agent's phone rings first, then the customer's."""
    from contacta.contacts.models import Contact

    contact = Contact.objects.for_tenant(tenant).filter(pk=contact_id).first()
    if contact is None:
        raise NotFoundError("no such contact", field="contact_id")
    if not contact.phone:
        raise DomainError("the contact has no phone number", field="contact_id")
    phone = AgentPhone.objects.for_tenant(tenant).filter(agent=agent).first()
    if phone is None:
        raise DomainError("you have no phone configured", field="agent")
    if not phone.target(timezone.now()):
        raise DomainError("your softphone is not registered", field="agent")
    inboxes = Inbox.objects.for_tenant(tenant).filter(kind=InboxKind.VOICE, is_active=True)
    inbox = inboxes.filter(pk=inbox_id).first() if inbox_id else inboxes.first()
    if inbox is None:
        raise NotFoundError("no voice inbox", field="inbox_id")
    now = now or timezone.now()
    with transaction.atomic():
        conv = Conversation.objects.create(
            tenant=tenant, inbox=inbox, contact=contact, channel="voice",
            status=Status.ASSIGNED, assignee=agent, queue=inbox.default_queue,
            topic=f"📞 {contact.phone}", queued_at=now, queue_entered_at=now, accepted_at=now)
        call = Call.objects.create(tenant=tenant, inbox=inbox, conversation=conv,
                                   direction="out", caller=str(agent.pk),
                                   called=contact.phone.lstrip("+"), status=CallStatus.RINGING)
        VoiceCommand.objects.create(tenant=tenant, call=call, op="dial", args={
            "agent_id": agent.pk})
        notify_conversation(tenant, conv, {"type": "conversation.assigned",
                                           "conversation": conversation_payload(conv)},
                            supervisors=True)
        transaction.on_commit(wake_router)
    return call


def call_recording_policy(call_id: int) -> str:
    call = _call(call_id)
    voice = VoiceInbox.objects.filter(inbox_id=call.inbox_id).first()
    return voice.recording_policy if voice else "all"


def outbound_target(call_id: int, agent_id: int) -> tuple[str, str]:
    """The agent's phone and the customer's number, for click-to-call."""
    call = _call(call_id)
    phone = AgentPhone.objects.for_tenant(call.tenant).get(agent_id=agent_id)
    return phone.target(timezone.now()), call.called


def caller_id_for(call_id: int) -> str:
    """The number customers see when we call them: the voice inbox's outbound caller id (a
    campaign's own, later), else the inbox's own number."""
    call = _call(call_id)
    voice = VoiceInbox.objects.filter(inbox_id=call.inbox_id).first()
    number = (voice.caller_id if voice and voice.caller_id else
              call.inbox.provider_account_id)
    return f"<sip:{number}@contacta.invalid>" if number else ""


@dataclass(frozen=True)
class DueCallback:
    call_id: int
    tenant_id: int
    agent_id: int
    agent_uri: str
    customer_number: str


def callbacks_offered() -> list[DueCallback]:
    """Callbacks whose conversation the routing kernel has offered to an agent with a phone."""
    due = []
    for call in (Call.objects.filter(callback_requested=True,
                                     conversation__status=Status.OFFERED,
                                     status__in=[CallStatus.ENDED, CallStatus.QUEUED])
                 .select_related("conversation")[:50]):
        assert call.conversation is not None
        agent_id = call.conversation.offered_to_id
        phone = AgentPhone.objects.filter(tenant_id=call.tenant_id, agent_id=agent_id).first()
        target = phone.target(timezone.now()) if phone is not None else ""
        if agent_id is not None and target:
            due.append(DueCallback(call.pk, call.tenant_id, agent_id, target, call.caller))
    return due


def call_originate(*, tenant: Tenant, to: str, inbox_id: int | None, queue_id: int | None,
                   ring_seconds: int) -> Call:
    """An outbound call for a program (the dialer): placed by the voice process; once
    answered it waits in `queue_id` (else the inbox's queue) for an agent like an inbound
    call. Its outcome tells answered, busy, no_answer or failed."""
    inboxes = Inbox.objects.for_tenant(tenant).filter(kind=InboxKind.VOICE, is_active=True)
    inbox = inboxes.filter(pk=inbox_id).first() if inbox_id else inboxes.first()
    if inbox is None:
        raise NotFoundError("no voice inbox", field="inbox_id")
    if queue_id is not None and not Queue.objects.for_tenant(tenant).filter(pk=queue_id).exists():
        raise NotFoundError("queue not found", field="queue_id")
    with transaction.atomic():
        call = Call.objects.create(tenant=tenant, inbox=inbox, direction="out",
                                   caller=inbox.provider_account_id, called=to.lstrip("+"),
                                   status=CallStatus.RINGING)
        VoiceCommand.objects.create(tenant=tenant, call=call, op="originate", args={
            "to": to, "queue_id": queue_id, "ring_seconds": ring_seconds})
        transaction.on_commit(wake_router)
    return call


def call_progress(call_id: int, outcome: str, cause: str = "") -> None:
    """An originated call's result before anyone talks: busy, no answer or failed."""
    Call.objects.filter(pk=call_id).update(outcome=outcome, hangup_cause=cause[:60],
                                           status=CallStatus.ENDED, ended_at=timezone.now())


def call_originated_answered(call_id: int) -> Arrival:
    """The called party answered an originated call: it joins a queue like an inbound one."""
    call = _call(call_id)
    Call.objects.filter(pk=call_id).update(outcome=CallOutcome.ANSWERED,
                                           answered_at=timezone.now())
    voice = VoiceInbox.objects.filter(inbox_id=call.inbox_id).first()
    return Arrival(call_id=call.pk, tenant_id=call.tenant_id,
                   language=voice.language if voice else "es", flow={}, is_open=True,
                   closed_message="", voicemail=False,
                   callback_digit=voice.callback_digit if voice else "*",
                   comfort_interval_seconds=voice.comfort_interval_seconds if voice else 30)


def registrar_lookup(sip_user: str) -> str | None:
    """The HA1 of a SIP account (any tenant: SIP users are unique in the installation)."""
    phone = AgentPhone.objects.filter(sip_user=sip_user).exclude(sip_ha1="").first()
    return phone.sip_ha1 if phone else None


def registrar_bind(sip_user: str, contact: str, expires_seconds: int) -> None:
    """A softphone registered (or unregistered, with 0): where the agent's calls ring."""
    until = timezone.now() + timedelta(seconds=expires_seconds) if expires_seconds else None
    AgentPhone.objects.filter(sip_user=sip_user).update(
        registered_contact=contact if expires_seconds else "", registered_until=until)
