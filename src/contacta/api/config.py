"""Configuration resources of a tenant: skills, teams, hours, queues, agents, inboxes..."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from contacta.api import crud
from contacta.api.scope import get_or_404, scope
from contacta.connectors.inbound import PayloadError
from contacta.connectors.models import Inbox, InboxRule
from contacta.connectors.services import templates_sync
from contacta.errors import ConflictError, DomainError
from contacta.routing.models import (
    AgentProfile,
    AgentSkill,
    AuxReason,
    BusinessHours,
    Disposition,
    Queue,
    QueueSkill,
    Skill,
    Team,
)
from contacta.tenants.access import Capability
from contacta.tenants.models import Membership

router = Router()

Name = Field(..., min_length=1, max_length=100)


class NamedIn(Schema):
    name: str = Name


class NamedOut(Schema):
    id: int
    name: str


class HoursIn(Schema):
    name: str = Name
    time_zone: str = Field("America/Bogota", max_length=64)
    holiday_country: str = Field("CO", max_length=2)
    weekly: dict[str, list[list[str]]] = Field(default_factory=dict)


class HoursOut(HoursIn):
    id: int


class QueueIn(Schema):
    name: str = Name
    priority: int = 5
    selection_policy: str = "longest_idle"
    aging_per_minute: float = 0.0
    sla_target_percent: int = 80
    sla_target_seconds: int = 20
    offer_timeout_seconds: int = 30
    wrap_up_seconds: int = 15
    auto_accept: bool = False
    business_hours_id: int | None = None
    closed_message: str = Field("", max_length=500)
    closed_action: str = Field("", description="queue, callback, message or empty")
    closed_queue_id: int | None = None
    widening: list[dict[str, float | int]] = Field(
        default_factory=list, max_length=10,
        description='e.g. [{"after_s": 30, "min_proficiency": 2}, '
                    '{"after_s": 120, "overflow_queue_id": 7}]')
    max_waiting: int | None = None
    max_wait_seconds: int | None = None
    overflow_action: str = Field("", description="queue, callback, message or empty")
    overflow_queue_id: int | None = None
    overflow_message: str = Field("", max_length=500)
    sticky_seconds: int = 0


class QueueOut(QueueIn):
    id: int


class QueueSkillIn(Schema):
    queue_id: int
    skill_id: int
    min_proficiency: int = 1


class QueueSkillOut(QueueSkillIn):
    id: int


class AgentIn(Schema):
    user_id: int
    team_id: int | None = None
    chat_capacity: int = 3
    voice_capacity: int = 1
    messaging_capacity: int = 3
    email_capacity: int = 2
    task_capacity: int = 1


class AgentOut(AgentIn):
    id: int
    status: str
    reason: str


class AgentSkillIn(Schema):
    agent_id: int
    skill_id: int
    proficiency: int = 3


class AgentSkillOut(AgentSkillIn):
    id: int


class AuxReasonIn(Schema):
    code: str = Field(..., min_length=1, max_length=50)
    label: str = Name


class AuxReasonOut(AuxReasonIn):
    id: int


class DispositionIn(Schema):
    queue_id: int
    code: str = Field(..., min_length=1, max_length=50)
    label: str = Name
    requires_note: bool = False


class DispositionOut(DispositionIn):
    id: int


class InboxIn(Schema):
    name: str = Name
    kind: str = "webchat"
    default_queue_id: int
    greeting: str = Field("", max_length=500)
    pre_chat_form: bool = True
    is_active: bool = True
    credential_env: str = Field("", max_length=100,
                                description="name of the environment variable with the token")
    api_base_url: str = Field("", max_length=200)


class InboxOut(InboxIn):
    id: int
    public_key: str


class InboxRuleIn(Schema):
    inbox_id: int
    topic: str = Name
    queue_id: int
    position: int = 0


class InboxRuleOut(InboxRuleIn):
    id: int


class MembershipIn(Schema):
    user_id: int
    role: str = "agent"


class MembershipOut(MembershipIn):
    id: int
    username: str = Field(..., alias="user.username")


crud.register(router, "skills", Skill, NamedIn, NamedOut)
crud.register(router, "teams", Team, NamedIn, NamedOut)
crud.register(router, "business-hours", BusinessHours, HoursIn, HoursOut)
crud.register(router, "queues", Queue, QueueIn, QueueOut,
              references={"business_hours_id": BusinessHours, "closed_queue_id": Queue,
                          "overflow_queue_id": Queue})
crud.register(router, "queue-skills", QueueSkill, QueueSkillIn, QueueSkillOut,
              references={"queue_id": Queue, "skill_id": Skill}, filters=("queue_id",))
crud.register(router, "agents", AgentProfile, AgentIn, AgentOut, references={"team_id": Team})
crud.register(router, "agent-skills", AgentSkill, AgentSkillIn, AgentSkillOut,
              references={"agent_id": AgentProfile, "skill_id": Skill}, filters=("agent_id",))
crud.register(router, "aux-reasons", AuxReason, AuxReasonIn, AuxReasonOut)
crud.register(router, "dispositions", Disposition, DispositionIn, DispositionOut,
              references={"queue_id": Queue}, filters=("queue_id",))
crud.register(router, "inboxes", Inbox, InboxIn, InboxOut, references={"default_queue_id": Queue})
crud.register(router, "inbox-rules", InboxRule, InboxRuleIn, InboxRuleOut,
              references={"inbox_id": Inbox, "queue_id": Queue}, filters=("inbox_id",))
crud.register(router, "memberships", Membership, MembershipIn, MembershipOut)


@router.post("/tenants/{tenant}/inboxes/{inbox_id}/templates/sync", response=dict[str, Any],
             tags=["inboxes"])
def inbox_templates_sync(request: HttpRequest, tenant: str, inbox_id: int) -> Any:
    """Copy the provider's approved templates (WhatsApp) into the inbox."""
    t = scope(request, tenant, Capability.MANAGE)
    inbox = get_or_404(Inbox.objects.for_tenant(t), inbox_id, "inbox")
    try:
        count = templates_sync(t, inbox)
    except PayloadError as exc:
        raise DomainError(str(exc), field="inbox") from exc
    except ConnectionError as exc:
        raise ConflictError(f"the provider did not answer: {exc}", field="inbox") from exc
    return {"templates": count}
