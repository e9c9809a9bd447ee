"""Voice configuration in the admin: each voice inbox's IVR, prompts and recording policy,
agents' phones, uploaded prompts, and the calls (read-only)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from contacta.routing.admin import TenantScopedAdmin
from contacta.voice.models import AgentPhone, Call, VoiceInbox, VoicePrompt


@admin.register(VoiceInbox)
class VoiceInboxAdmin(TenantScopedAdmin):
    list_display = ("inbox", "tenant", "language", "recording_policy", "caller_id")


class AgentPhoneForm(forms.ModelForm):  # type: ignore[type-arg]
    sip_password = forms.CharField(label=_("new SIP password"), required=False,
                                   widget=forms.PasswordInput, min_length=10,
                                   help_text=_("For a softphone that registers with the SIP "
                                               "user above; only its digest is kept."))

    class Meta:
        model = AgentPhone
        fields = ("tenant", "agent", "sip_uri", "sip_user")


@admin.register(AgentPhone)
class AgentPhoneAdmin(TenantScopedAdmin):
    form = AgentPhoneForm
    list_display = ("agent", "tenant", "sip_uri", "sip_user", "registered_contact",
                    "registered_until")
    readonly_fields = ("registered_contact", "registered_until")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if form.cleaned_data.get("sip_password"):
            obj.set_password(form.cleaned_data["sip_password"])
        super().save_model(request, obj, form, change)


@admin.register(VoicePrompt)
class VoicePromptAdmin(TenantScopedAdmin):
    list_display = ("key", "language", "tenant")


@admin.register(Call)
class CallAdmin(TenantScopedAdmin):
    list_display = ("pk", "tenant", "direction", "caller", "called", "status", "outcome",
                    "started_at", "wait_seconds")
    list_filter = ("tenant",)  # status and outcome are in the list; search by number
    search_fields = ("caller", "called")
    readonly_fields = ("conversation", "inbox", "recording", "customer_leg", "agent_leg")
