"""Voice: the settings of a voice inbox (its IVR, prompts and recording policy), agents'
phones, and one row per call leg story (a Call), kept beside the conversation it belongs to."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from contacta.connectors.models import Inbox
from contacta.conversations.models import Attachment, Conversation
from contacta.routing.models import AgentProfile
from contacta.tenants.models import TenantOwned


class RecordingPolicy(models.TextChoices):
    ALL = "all", _("Record every call")
    NONE = "none", _("Never record")
    ON_DEMAND = "on_demand", _("Record when the agent asks")


class VoiceInbox(TenantOwned):
    """A voice inbox's call flow. The inbox's provider_account_id is its number (DID)."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="voice")
    language = models.CharField(_("prompt language"), max_length=5, default="es")
    # The IVR: {"welcome", "menu": {"prompt", "timeout_seconds", "retries", "invalid",
    # "options": {"1": {"queue": <id>} | {"menu": {...}} | {"say": text, "then": ...}}}}.
    ivr = models.JSONField(_("IVR"), default=dict, blank=True)
    closed_message = models.TextField(_("closed message"), blank=True)
    voicemail_when_closed = models.BooleanField(_("voicemail when closed"), default=True)
    recording_policy = models.CharField(_("recording"), max_length=12,
                                        choices=RecordingPolicy.choices,
                                        default=RecordingPolicy.ALL)
    caller_id = models.CharField(_("outbound caller id"), max_length=32, blank=True)
    callback_digit = models.CharField(_("callback key"), max_length=1, default="*")
    comfort_interval_seconds = models.PositiveSmallIntegerField(
        _("position announcement every (s)"), default=30)

    class Meta:
        verbose_name = _("voice inbox")
        verbose_name_plural = _("voice inboxes")

    def clean(self) -> None:
        """The IVR may only send callers to this tenant's queues, in a bounded tree."""
        from django.core.exceptions import ValidationError

        from contacta.core.voice.ivr import IvrConfigError, validate
        from contacta.routing.models import Queue

        super().clean()
        queues = set(Queue.objects.filter(tenant_id=self.tenant_id).values_list("pk", flat=True))
        try:
            validate(self.ivr or {}, queues)
        except (IvrConfigError, ValueError, TypeError) as exc:
            raise ValidationError({"ivr": str(exc)}) from exc


class VoicePrompt(TenantOwned):
    """An uploaded recording that replaces a generated prompt of the tenant (by key)."""

    key = models.SlugField(_("prompt"), max_length=40)
    language = models.CharField(max_length=5, default="es")
    audio = models.FileField(upload_to="voice-prompts/", max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key", "language"],
                                               name="one_prompt_per_key")]


class AgentPhone(TenantOwned):
    """Where an agent's calls ring: a fixed SIP address (a desk phone), or a SIP account that
    a softphone registers to Contacta's registrar (then calls go where it registered from)."""

    agent = models.OneToOneField(AgentProfile, on_delete=models.CASCADE, related_name="phone")
    sip_uri = models.CharField(_("SIP address"), max_length=200, blank=True)
    # A SIP account: user name (unique in the installation) and HA1 = MD5(user:realm:password),
    # what digest authentication needs (RFC 3261 section 22), never the password itself.
    sip_user = models.CharField(_("SIP user"), max_length=64, blank=True)
    sip_ha1 = models.CharField(max_length=32, blank=True)
    registered_contact = models.CharField(max_length=200, blank=True)
    registered_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["sip_user"], condition=~models.Q(sip_user=""), name="one_sip_user")]

    def set_password(self, password: str) -> None:
        from contacta.voice.registrar import REALM, ha1

        self.sip_ha1 = ha1(self.sip_user, REALM, password)

    def target(self, now: datetime) -> str:
        """Where to ring now: the fixed address, else the live registration."""
        if self.sip_uri:
            return self.sip_uri
        if self.registered_contact and self.registered_until and self.registered_until > now:
            return self.registered_contact
        return ""


class CallStatus(models.TextChoices):
    IVR = "ivr", _("In the IVR")
    QUEUED = "queued", _("Waiting in queue")
    RINGING = "ringing", _("Ringing an agent")
    CONNECTED = "connected", _("Talking")
    HELD = "held", _("On hold")
    ENDED = "ended", _("Ended")


class CallOutcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    ABANDONED = "abandoned", _("Abandoned in queue")
    CALLBACK = "callback", _("Callback requested")
    VOICEMAIL = "voicemail", _("Voicemail")
    CLOSED = "closed", _("Closed hours")
    IVR_HANGUP = "ivr_hangup", _("Hung up in the IVR")
    TRANSFERRED = "transferred", _("Transferred out")
    DROPPED = "dropped", _("Dropped by the engine")
    ANSWERED = "answered", _("Answered")  # originate results
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no_answer", _("No answer")
    FAILED = "failed", _("Failed")


class Call(TenantOwned):
    conversation = models.OneToOneField(Conversation, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="call")
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="calls")
    direction = models.CharField(max_length=8, default="in")
    caller = models.CharField(max_length=64, blank=True)
    called = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=CallStatus.choices, default=CallStatus.IVR)
    outcome = models.CharField(max_length=12, choices=CallOutcome.choices, blank=True)
    customer_leg = models.CharField(max_length=40, blank=True)
    agent_leg = models.CharField(max_length=40, blank=True)
    ivr_path = models.CharField(max_length=40, blank=True)  # the digits pressed
    callback_requested = models.BooleanField(default=False)
    muted = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    wait_seconds = models.FloatField(null=True, blank=True)
    hangup_cause = models.CharField(max_length=60, blank=True)
    recording = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # PCI: [{"paused_at": seconds into the recording, "resumed_at": seconds or null}]
    recording_pauses = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "status"])]


class VoiceCommand(TenantOwned):
    """An agent's call control (hold, transfer, DTMF...) for the voice process to carry out:
    stored, so that the web node and the voice node need share nothing but the database."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="commands")
    op = models.CharField(max_length=20)
    args = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
