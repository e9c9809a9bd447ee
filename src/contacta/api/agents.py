"""Agent state (self and forced by a supervisor), the agent's own desktop data, the live view."""

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from contacta.api.scope import current_agent, get_or_404, scope
from contacta.conversations.models import OPEN_STATUSES, Conversation, Status
from contacta.conversations.payloads import conversation_payload
from contacta.routing.models import AgentProfile, AuxReason, Disposition, Queue
from contacta.routing.services import agent_state_payload, agent_state_set
from contacta.tenants.access import Capability
from contacta.voice.models import AgentPhone

router = Router(tags=["agents"])


class StateIn(Schema):
    status: str = Field(..., max_length=20)
    reason: str = Field("", max_length=50)


@router.get("/tenants/{tenant}/agents/me", response=dict[str, Any])
def agent_me(request: HttpRequest, tenant: str) -> Any:
    """Everything the desktop needs at start: state, open work, aux reasons, queues."""
    t = scope(request, tenant, Capability.HANDLE)
    agent = current_agent(request, t)
    mine = (Conversation.objects.for_tenant(t).filter(status__in=OPEN_STATUSES)
            .filter(assignee=agent) | Conversation.objects.for_tenant(t).filter(
                status=Status.OFFERED, offered_to=agent))
    queues = list(Queue.objects.for_tenant(t))
    dispositions = Disposition.objects.for_tenant(t).order_by("label")
    return {
        "agent": agent_state_payload(agent),
        "chat_capacity": agent.chat_capacity,
        "has_phone": AgentPhone.objects.for_tenant(t).filter(agent=agent).exists(),
        "conversations": [conversation_payload(c) for c in
                          mine.select_related("queue", "contact", "inbox", "disposition")],
        "aux_reasons": [{"code": a.code, "label": a.label}
                        for a in AuxReason.objects.for_tenant(t)],
        "queues": [{"id": q.pk, "name": q.name, "dispositions": [
            {"code": d.code, "label": d.label, "requires_note": d.requires_note}
            for d in dispositions if d.queue_id == q.pk]} for q in queues],
        "agents": [{"id": a.pk, "name": a.user.get_full_name() or a.user.get_username(),
                    "status": a.status}
                   for a in AgentProfile.objects.for_tenant(t).select_related("user")
                   if a.pk != agent.pk],
    }


@router.put("/tenants/{tenant}/agents/me/state", response=dict[str, Any])
def agent_state_mine(request: HttpRequest, tenant: str, payload: StateIn) -> Any:
    t = scope(request, tenant, Capability.HANDLE)
    agent = agent_state_set(t, current_agent(request, t), status=payload.status,
                            reason=payload.reason, by=request.user)
    return agent_state_payload(agent)


@router.put("/tenants/{tenant}/agents/{agent_id}/state", response=dict[str, Any])
def agent_state_force(request: HttpRequest, tenant: str, agent_id: int, payload: StateIn) -> Any:
    """A supervisor forces an agent's state (e.g. logs out a forgotten desktop)."""
    t = scope(request, tenant, Capability.SUPERVISE)
    agent = get_or_404(AgentProfile.objects.for_tenant(t).select_related("user"), agent_id,
                       "agent")
    agent = agent_state_set(t, agent, status=payload.status, reason=payload.reason,
                            by=request.user)
    return agent_state_payload(agent)


@router.get("/tenants/{tenant}/live", response=dict[str, Any], tags=["supervisor"])
def live_view(request: HttpRequest, tenant: str) -> Any:
    """Agents with time in state, waiting and active conversations, per queue."""
    t = scope(request, tenant, Capability.MONITOR)
    now = timezone.now()
    agents = AgentProfile.objects.for_tenant(t).select_related("user").order_by("user__username")
    load = dict(Conversation.objects.for_tenant(t).filter(status=Status.ASSIGNED)
                .values_list("assignee_id").annotate(n=Count("pk")))
    open_convs = (Conversation.objects.for_tenant(t).filter(status__in=OPEN_STATUSES)
                  .select_related("queue", "contact", "inbox", "assignee__user")
                  .order_by("queued_at"))
    queues = []
    for queue in Queue.objects.for_tenant(t):
        waiting = [c for c in open_convs if c.queue_id == queue.pk and c.status != Status.ASSIGNED]
        queues.append({"id": queue.pk, "name": queue.name, "waiting": len(waiting),
                       "longest_wait_s": max(((now - c.queued_at).total_seconds()
                                              for c in waiting if c.queued_at), default=0),
                       "active": sum(1 for c in open_convs if c.queue_id == queue.pk
                                     and c.status == Status.ASSIGNED),
                       "sla_target_percent": queue.sla_target_percent,
                       "sla_target_seconds": queue.sla_target_seconds})
    return {
        "tenant": {"slug": t.slug, "name": t.name, "time_zone": t.time_zone},
        "now": now.isoformat(),
        "agents": [{**agent_state_payload(a), "active_conversations": load.get(a.pk, 0),
                    "chat_capacity": a.chat_capacity,
                    "time_in_state_s": round((now - a.status_since).total_seconds())
                    if a.status_since else None} for a in agents],
        "queues": queues,
        "waiting": [{**conversation_payload(c),
                     "wait_s": round((now - c.queued_at).total_seconds()) if c.queued_at else 0}
                    for c in open_convs if c.status != Status.ASSIGNED],
        "active": [{**conversation_payload(c),
                    "agent": c.assignee.user.get_username() if c.assignee else None}
                   for c in open_convs if c.status == Status.ASSIGNED],
    }
