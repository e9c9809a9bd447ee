"""Routing configuration (skills, teams, queues, dispositions, hours) and agent state."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from holidays import list_supported_countries

from contacta.core.routing.model import AgentStatus, SelectionPolicy, WideningStep
from contacta.core.sla.calendar import CalendarError, parse_windows
from contacta.tenants.models import Membership, TenantOwned

Proficiency = [MinValueValidator(1), MaxValueValidator(5)]


class OverflowChoice(models.TextChoices):
    QUEUE = "queue", _("Another queue")
    CALLBACK = "callback", _("Offer a callback")
    MESSAGE = "message", _("Send a message and close")


def widening_steps(raw: object) -> list[WideningStep]:
    """Validate and convert the stored widening steps; ValueError names the fault."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValueError("a list of steps")
    steps = []
    for index, step in enumerate(raw):
        if not isinstance(step, dict) or set(step) - {"after_s", "min_proficiency",
                                                      "overflow_queue_id"}:
            raise ValueError(f"step {index}: keys are after_s, min_proficiency, overflow_queue_id")
        after = step.get("after_s")
        level = step.get("min_proficiency")
        target = step.get("overflow_queue_id")
        if not isinstance(after, int | float) or isinstance(after, bool) or after <= 0:
            raise ValueError(f"step {index}: after_s must be a positive number of seconds")
        if (level is None) == (target is None):
            raise ValueError(f"step {index}: give min_proficiency or overflow_queue_id")
        if level is not None and (not isinstance(level, int) or not 1 <= level <= 5):
            raise ValueError(f"step {index}: min_proficiency is 1 to 5")
        if target is not None and (not isinstance(target, int) or isinstance(target, bool)):
            raise ValueError(f"step {index}: overflow_queue_id is a queue id")
        steps.append(WideningStep(after_s=float(after), min_proficiency=level,
                                  overflow_queue_id=target))
    if [s.after_s for s in steps] != sorted(s.after_s for s in steps):
        raise ValueError("steps must come in increasing after_s")
    return steps


class Skill(TenantOwned):
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="uniq_skill")]

    def __str__(self) -> str:
        return self.name


class Team(TenantOwned):
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="uniq_team")]

    def __str__(self) -> str:
        return self.name


class BusinessHours(TenantOwned):
    """Weekly opening windows in a time zone, closed on the country's public holidays."""

    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/Bogota")
    holiday_country = models.CharField(_("holidays of country"), max_length=2, blank=True,
                                       default="CO")
    # {"mon": [["08:00", "18:00"]], ...}; a missing day is closed all day.
    weekly = models.JSONField(_("weekly windows"), default=dict, blank=True)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            parse_windows(self.weekly if isinstance(self.weekly, dict) else {})
        except CalendarError as exc:
            raise ValidationError({"weekly": str(exc)}) from exc
        if not isinstance(self.weekly, dict):
            raise ValidationError({"weekly": "an object of weekday -> windows"})
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError({"time_zone": "unknown time zone"}) from exc
        if self.holiday_country and self.holiday_country not in list_supported_countries():
            raise ValidationError({"holiday_country": "no holiday calendar for this country"})


class Queue(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)])
    selection_policy = models.CharField(
        _("agent selection"), max_length=20,
        choices=[(p.value, p.value.replace("_", " ")) for p in SelectionPolicy],
        default=SelectionPolicy.LONGEST_IDLE)
    aging_per_minute = models.FloatField(_("priority aging per minute"), default=0.0,
                                         validators=[MinValueValidator(0)])
    sla_target_percent = models.PositiveSmallIntegerField(
        _("SLA target %"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)])
    sla_target_seconds = models.PositiveIntegerField(_("SLA target seconds"), default=20)
    offer_timeout_seconds = models.PositiveIntegerField(
        _("offer timeout (s)"), default=30, validators=[MinValueValidator(5)])
    wrap_up_seconds = models.PositiveIntegerField(_("wrap-up time (s)"), default=15)
    auto_accept = models.BooleanField(_("auto-accept offers"), default=False)
    business_hours = models.ForeignKey(BusinessHours, null=True, blank=True,
                                       on_delete=models.SET_NULL)
    closed_message = models.CharField(_("closed message"), max_length=500, blank=True)
    closed_action = models.CharField(
        _("when closed"), max_length=20, choices=OverflowChoice.choices, blank=True,
        help_text=_("Empty: queue anyway (the closed message is shown)."))
    closed_queue = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("queue while closed"))
    # Bullseye rings, e.g. after 30 s accept proficiency 2, after 120 s overflow to queue 7.
    widening = models.JSONField(_("widening steps"), default=list, blank=True,
                                help_text=_('e.g. [{"after_s": 30, "min_proficiency": 2}, '
                                            '{"after_s": 120, "overflow_queue_id": 7}]'))
    max_waiting = models.PositiveIntegerField(_("maximum waiting"), null=True, blank=True)
    max_wait_seconds = models.PositiveIntegerField(_("maximum wait (s)"), null=True, blank=True)
    overflow_action = models.CharField(_("overflow action"), max_length=20,
                                       choices=OverflowChoice.choices, blank=True)
    overflow_queue = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("overflow queue"))
    overflow_message = models.CharField(_("overflow message"), max_length=500, blank=True)
    sticky_seconds = models.PositiveIntegerField(
        _("wait for the last agent (s)"), default=0,
        help_text=_("A returning customer is offered first to their last agent for this long."))

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="uniq_queue")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            steps = widening_steps(self.widening)
        except ValueError as exc:
            raise ValidationError({"widening": str(exc)}) from exc
        targets = {s.overflow_queue_id for s in steps if s.overflow_queue_id is not None}
        if targets and Queue.objects.for_tenant(self.tenant).filter(pk__in=targets).count() != len(
                targets):
            raise ValidationError({"widening": "overflow_queue_id must be a queue of this tenant"})
        if self.overflow_action == OverflowChoice.QUEUE and self.overflow_queue_id is None:
            raise ValidationError({"overflow_queue": "name the queue to overflow to"})
        if self.closed_action == OverflowChoice.QUEUE and self.closed_queue_id is None:
            raise ValidationError({"closed_queue": "name the queue to use while closed"})


class QueueSkill(TenantOwned):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="skill_requirements")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    min_proficiency = models.PositiveSmallIntegerField(default=1, validators=Proficiency)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["queue", "skill"], name="uniq_queue_skill")]


class AgentProfile(TenantOwned):
    """A user working as an agent for one tenant, with that tenant's skills and state."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="agent_profiles")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="agents")
    # Capacity per channel (Amazon Connect routing-profile style): a call blocks all other
    # work; chats, messages, emails and back-office tasks run side by side up to these limits.
    chat_capacity = models.PositiveSmallIntegerField(
        _("chats at once"), default=3, validators=[MinValueValidator(0), MaxValueValidator(20)])
    voice_capacity = models.PositiveSmallIntegerField(
        _("calls at once"), default=1, validators=[MaxValueValidator(1)])
    messaging_capacity = models.PositiveSmallIntegerField(
        _("messaging conversations at once"), default=3, validators=[MaxValueValidator(20)])
    email_capacity = models.PositiveSmallIntegerField(
        _("emails at once"), default=2, validators=[MaxValueValidator(20)])
    task_capacity = models.PositiveSmallIntegerField(
        _("back-office tasks at once"), default=1, validators=[MaxValueValidator(20)])
    status = models.CharField(max_length=20, choices=[(s.value, s.value) for s in AgentStatus],
                              default=AgentStatus.OFFLINE)
    reason = models.CharField(max_length=50, blank=True)
    status_since = models.DateTimeField(null=True, blank=True)
    wrap_up_until = models.DateTimeField(null=True, blank=True)
    idle_since = models.DateTimeField(null=True, blank=True)
    last_offer_at = models.DateTimeField(null=True, blank=True)
    # Heartbeat of an open agent desktop; the demo's bot agents stand aside while it is fresh.
    desktop_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="uniq_agent")]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        super().clean()
        if self.user_id and not Membership.objects.for_tenant(self.tenant).filter(
                user_id=self.user_id).exists() and not getattr(self.user, "is_superuser", False):
            raise ValidationError({"user_id": "the user is not a member of this tenant"})


class AgentSkill(TenantOwned):
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    proficiency = models.PositiveSmallIntegerField(default=3, validators=Proficiency)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "skill"], name="uniq_agent_skill")]


class AuxReason(TenantOwned):
    """A not-ready reason code (pausa): break, lunch, training, coaching..."""

    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=100)

    class Meta:
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="uniq_aux")]

    def __str__(self) -> str:
        return self.label


class Disposition(TenantOwned):
    """How a conversation ended (calificación), configured per queue."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="dispositions")
    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    requires_note = models.BooleanField(_("requires a note"), default=False)

    class Meta:
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["queue", "code"], name="uniq_disposition")]

    def __str__(self) -> str:
        return self.label


class AgentStateLog(TenantOwned):
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="state_log")
    status = models.CharField(max_length=20)
    reason = models.CharField(max_length=50, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["agent", "ended_at"])]
