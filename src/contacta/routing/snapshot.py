"""Build the kernel's snapshot of one tenant from the database (reads only)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Count

from contacta.conversations.models import Conversation, RoutingSegment, SegmentKind, Status
from contacta.core.routing import model as k
from contacta.routing.models import AgentProfile, AgentSkill, Queue, QueueSkill, widening_steps
from contacta.routing.services import agent_kernel_state, ts
from contacta.tenants.models import Tenant


def overflow_action(kind: str, queue_id: int | None, message: str) -> k.OverflowAction | None:
    if not kind:
        return None
    return k.OverflowAction(k.OverflowKind(kind), queue_id=queue_id, message=message)


def kernel_queue(q: Queue, required_skills: dict[str, int]) -> k.Queue:
    """The kernel's view of a configured queue."""
    return k.Queue(
        id=q.pk, required_skills=required_skills, priority=q.priority,
        policy=k.SelectionPolicy(q.selection_policy), aging_per_minute=q.aging_per_minute,
        widening=tuple(widening_steps(q.widening)), max_waiting=q.max_waiting,
        max_wait_s=float(q.max_wait_seconds) if q.max_wait_seconds else None,
        overflow=overflow_action(q.overflow_action, q.overflow_queue_id, q.overflow_message),
        closed_action=overflow_action(q.closed_action, q.closed_queue_id, q.closed_message),
        sticky_s=float(q.sticky_seconds))


def agent_capacity(a: AgentProfile) -> dict[k.Channel, int]:
    return {k.Channel.CHAT: a.chat_capacity, k.Channel.VOICE: a.voice_capacity,
            k.Channel.MESSAGING: a.messaging_capacity, k.Channel.EMAIL: a.email_capacity,
            k.Channel.TASK: a.task_capacity}


def build_snapshot(tenant: Tenant, now: datetime) -> k.Snapshot:
    queues = {q.pk: q for q in Queue.objects.for_tenant(tenant)}
    requirements: dict[int, dict[str, int]] = defaultdict(dict)
    for req in QueueSkill.objects.for_tenant(tenant).select_related("skill"):
        requirements[req.queue_id][req.skill.name] = req.min_proficiency
    kernel_queues = {q.pk: kernel_queue(q, requirements[q.pk]) for q in queues.values()}

    waiting_rows = list(Conversation.objects.for_tenant(tenant)
                        .filter(status=Status.QUEUED, queue__isnull=False)
                        .values("pk", "queue_id", "channel", "queued_at", "priority_boost",
                                "queue_entered_at", "preferred_agent_id", "preferred_until"))
    excluded: dict[int, set[int]] = defaultdict(set)
    if waiting_rows:
        # Agents who rejected or let this conversation time out since it last entered a queue
        # are tried last. Segments come in time order, so a new ENQUEUED (a transfer) resets.
        for seg in (RoutingSegment.objects.for_tenant(tenant)
                    .filter(conversation_id__in=[w["pk"] for w in waiting_rows],
                            kind__in=[SegmentKind.ENQUEUED, SegmentKind.REJECTED,
                                      SegmentKind.TIMED_OUT])
                    .order_by("at", "id").values("conversation_id", "agent_id", "kind")):
            if seg["kind"] == SegmentKind.ENQUEUED:
                excluded[seg["conversation_id"]].clear()
            elif seg["agent_id"]:
                excluded[seg["conversation_id"]].add(seg["agent_id"])
    waiting = tuple(
        k.Interaction(id=w["pk"], queue_id=w["queue_id"], channel=k.Channel(w["channel"]),
                      enqueued_at=ts(w["queued_at"]) or now.timestamp(),
                      priority_boost=w["priority_boost"],
                      excluded_agent_ids=frozenset(excluded[w["pk"]]),
                      queue_entered_at=ts(w["queue_entered_at"]),
                      preferred_agent_id=w["preferred_agent_id"],
                      preferred_until=ts(w["preferred_until"]))
        for w in waiting_rows
    )

    agents_rows = list(AgentProfile.objects.for_tenant(tenant).exclude(status="offline"))
    skills: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (AgentSkill.objects.for_tenant(tenant)
                .filter(agent__in=agents_rows).select_related("skill")):
        skills[row.agent_id][row.skill.name] = row.proficiency
    load: dict[int, dict[k.Channel, int]] = defaultdict(dict)
    for field in ("assignee_id", "offered_to_id"):
        status = Status.ASSIGNED if field == "assignee_id" else Status.OFFERED
        for row in (Conversation.objects.for_tenant(tenant).filter(status=status)
                    .values(field, "channel").annotate(n=Count("pk"))):
            if row[field]:
                channel = k.Channel(row["channel"])
                load[row[field]][channel] = load[row[field]].get(channel, 0) + row["n"]
    agents = tuple(
        k.Agent(id=a.pk, state=agent_kernel_state(a), skills=skills[a.pk],
                capacity=agent_capacity(a), load=load[a.pk],
                # A busy agent (idle_since cleared on accept) has been working since their
                # last offer; ranking them by when they became available would favour them.
                idle_since=(ts(a.idle_since) or ts(a.last_offer_at) or ts(a.status_since)
                            or 0.0),
                last_offer_at=ts(a.last_offer_at) or 0.0)
        for a in agents_rows
    )
    return k.Snapshot(agents=agents, queues=kernel_queues, waiting=waiting)
