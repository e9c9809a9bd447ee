"""Writes for agents: state changes through the kernel's state machine, with their log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from contacta.core.routing.agent_states import (
    AgentEvent,
    IllegalTransitionError,
    SetStatus,
    StateChanged,
    transition,
)
from contacta.core.routing.model import AgentState, AgentStatus
from contacta.errors import DomainError
from contacta.realtime.events import agent_group, send_event_on_commit, supervisors_group
from contacta.routing.models import AgentProfile, AgentStateLog, AuxReason
from contacta.routing.wakeup import notify
from contacta.tenants.models import Tenant


def ts(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value is not None else None


def agent_kernel_state(agent: AgentProfile) -> AgentState:
    return AgentState(status=AgentStatus(agent.status), reason=agent.reason,
                      since=ts(agent.status_since) or 0.0, wrap_up_until=ts(agent.wrap_up_until))


def agent_state_payload(agent: AgentProfile) -> dict[str, Any]:
    return {"agent_id": agent.pk, "user": agent.user.get_username(),
            "name": agent.user.get_full_name() or agent.user.get_username(),
            "status": agent.status, "reason": agent.reason,
            "status_since": agent.status_since.isoformat() if agent.status_since else None,
            "wrap_up_until": agent.wrap_up_until.isoformat() if agent.wrap_up_until else None}


def agent_apply(tenant: Tenant, agent: AgentProfile, event: AgentEvent, *, now: datetime,
                by: Any = None) -> list[StateChanged]:
    """Run one state-machine event for `agent`, persist it, log it, and announce it."""
    try:
        new_state, effects = transition(agent_kernel_state(agent), event, now.timestamp())
    except IllegalTransitionError as exc:
        raise DomainError(f"illegal state change: {exc}", field="status") from exc
    agent.status = new_state.status.value
    agent.reason = new_state.reason
    agent.status_since = dt(new_state.since)
    agent.wrap_up_until = dt(new_state.wrap_up_until)
    if effects and new_state.status is AgentStatus.AVAILABLE and agent.idle_since is None:
        agent.idle_since = now
    agent.save(update_fields=["status", "reason", "status_since", "wrap_up_until", "idle_since"])
    for effect in effects:
        AgentStateLog.objects.for_tenant(tenant).filter(agent=agent, ended_at__isnull=True).update(
            ended_at=now)
        AgentStateLog.objects.create(tenant=tenant, agent=agent, status=effect.current.status,
                                     reason=effect.current.reason, started_at=now, changed_by=by)
    if effects or isinstance(event, SetStatus):
        payload = {"type": "agent.state_changed", **agent_state_payload(agent)}
        send_event_on_commit(tenant, [agent_group(tenant.pk, agent.pk),
                                      supervisors_group(tenant.pk)], payload)
    if new_state.status is AgentStatus.AVAILABLE:
        transaction.on_commit(notify)
    return effects


def agent_state_set(tenant: Tenant, agent: AgentProfile, *, status: str, reason: str = "",
                    by: Any = None) -> AgentProfile:
    """Agent (or a supervisor forcing it) sets Available, an aux reason, or Offline."""
    try:
        wanted = AgentStatus(status)
    except ValueError as exc:
        raise DomainError(f"unknown status {status!r}", field="status") from exc
    if wanted is AgentStatus.AUX:
        known = AuxReason.objects.for_tenant(tenant).filter(code=reason).exists()
        if not known:
            raise DomainError(f"unknown aux reason {reason!r}", field="reason")
    with transaction.atomic():
        locked = AgentProfile.objects.for_tenant(tenant).select_for_update().get(pk=agent.pk)
        agent_apply(tenant, locked, SetStatus(wanted, reason), now=timezone.now(), by=by)
    return locked


def agent_heartbeat(tenant: Tenant, agent: AgentProfile) -> None:
    AgentProfile.objects.for_tenant(tenant).filter(pk=agent.pk).update(
        desktop_seen_at=timezone.now())
