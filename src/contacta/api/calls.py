"""Voice: a call's state and the agent's controls on it, click-to-call, and originate with
call-progress results (what the outbound dialer builds on)."""

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from contacta.api.conversations import visible_to
from contacta.api.scope import current_agent, get_or_404, scope
from contacta.conversations.selectors import conversation_get
from contacta.errors import DomainError, NotFoundError
from contacta.routing.models import AgentProfile
from contacta.tenants.access import Capability
from contacta.voice.models import AgentPhone, Call
from contacta.voice.services import call_originate, click_to_call, voice_command

router = Router(tags=["voice"])


def call_payload(call: Call) -> dict[str, Any]:
    return {"id": call.pk, "conversation_id": call.conversation_id,
            "direction": call.direction, "caller": call.caller, "called": call.called,
            "status": call.status, "outcome": call.outcome, "ivr_path": call.ivr_path,
            "callback_requested": call.callback_requested,
            "started_at": call.started_at.isoformat(),
            "answered_at": call.answered_at.isoformat() if call.answered_at else None,
            "ended_at": call.ended_at.isoformat() if call.ended_at else None,
            "wait_seconds": call.wait_seconds, "hangup_cause": call.hangup_cause,
            "recording_id": call.recording_id, "recording_pauses": call.recording_pauses,
            # Answering-machine detection is not done: the dialer must not assume a person.
            "answering_machine": "unknown"}


@router.get("/tenants/{tenant}/conversations/{conversation_id}/call",
            response=dict[str, Any])
def conversation_call(request: HttpRequest, tenant: str, conversation_id: int) -> Any:
    t = scope(request, tenant)
    conv = conversation_get(visible_to(request, t), conversation_id)
    call = Call.objects.for_tenant(t).filter(conversation=conv).first()
    if call is None:
        raise NotFoundError("this conversation has no call", field="conversation_id")
    return call_payload(call)


Action = Literal["hold", "unhold", "mute", "unmute", "hangup", "dtmf", "transfer_number",
                 "consult", "complete", "conference", "cancel", "record_start",
                 "record_pause", "record_resume"]


class CallControlIn(Schema):
    action: Action
    digits: str = Field("", max_length=32, pattern=r"^[0-9*#]*$")
    number: str = Field("", max_length=20, pattern=r"^\+?[0-9]*$")
    agent_id: int | None = None


@router.post("/tenants/{tenant}/conversations/{conversation_id}/call",
             response={202: dict[str, Any]})
def conversation_call_control(request: HttpRequest, tenant: str, conversation_id: int,
                              payload: CallControlIn) -> Any:
    """The desktop's call buttons. Transfers to a queue or an agent use the conversation's
    own /transfer (the call follows its conversation); this moves only the audio."""
    t = scope(request, tenant, Capability.HANDLE)
    conv = conversation_get(visible_to(request, t), conversation_id)
    args: dict[str, Any] = {}
    op: str = payload.action
    if op == "dtmf":
        if not payload.digits:
            raise DomainError("digits are required", field="digits")
        args["digits"] = payload.digits
    elif op == "transfer_number":
        if len(payload.number.lstrip("+")) < 3:
            raise DomainError("a phone number is required", field="number")
        op, args["number"] = "transfer", payload.number
    elif op == "consult" and payload.number:  # consult someone outside, then hand over
        if len(payload.number.lstrip("+")) < 3:
            raise DomainError("a phone number is required", field="number")
        args = {"number": payload.number}
    elif op == "consult":
        agent = get_or_404(AgentProfile.objects.for_tenant(t), payload.agent_id or 0,
                           "agent_id")
        phone = AgentPhone.objects.for_tenant(t).filter(agent=agent).first()
        target = phone.target(timezone.now()) if phone is not None else ""
        if not target:
            raise DomainError("that agent's phone is not reachable", field="agent_id")
        args = {"agent_id": agent.pk, "uri": target}
    command = voice_command(tenant=t, conversation=conv, op=op, args=args)
    return Status(202, {"command_id": command.pk, "action": payload.action})


@router.post("/tenants/{tenant}/contacts/{contact_id}/call", response={202: dict[str, Any]})
def contact_call(request: HttpRequest, tenant: str, contact_id: int) -> Any:
    """Click-to-call: the agent's phone rings first, then the customer's."""
    t = scope(request, tenant, Capability.HANDLE)
    call = click_to_call(tenant=t, agent=current_agent(request, t), contact_id=contact_id)
    return Status(202, call_payload(call))


class OriginateIn(Schema):
    to: str = Field(..., min_length=3, max_length=20, pattern=r"^\+?[0-9]+$")
    inbox_id: int | None = None
    queue_id: int | None = Field(None, description="where an answered call waits for an agent")
    ring_seconds: int = Field(30, ge=5, le=120)


@router.post("/tenants/{tenant}/calls", response={202: dict[str, Any]})
def originate(request: HttpRequest, tenant: str, payload: OriginateIn) -> Any:
    """Place a call; GET the call for its progress: answered, busy, no_answer or failed."""
    t = scope(request, tenant, Capability.MANAGE)
    call = call_originate(tenant=t, to=payload.to, inbox_id=payload.inbox_id,
                          queue_id=payload.queue_id, ring_seconds=payload.ring_seconds)
    return Status(202, call_payload(call))


@router.get("/tenants/{tenant}/calls/{call_id}", response=dict[str, Any])
def call_detail(request: HttpRequest, tenant: str, call_id: int) -> Any:
    t = scope(request, tenant, Capability.SUPERVISE)
    return call_payload(get_or_404(Call.objects.for_tenant(t), call_id, "call_id"))
