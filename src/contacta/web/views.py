"""Pages: the customer's chat and widget, the agent desktop, the supervisor live view."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from contacta.connectors.webchat.selectors import inbox_by_key
from contacta.conversations.models import Attachment
from contacta.conversations.payloads import VISITOR_FILE_SALT
from contacta.conversations.selectors import visible_conversations
from contacta.routing.models import AgentProfile
from contacta.tenants.access import Capability, can, tenants_of
from contacta.tenants.models import Tenant

VISITOR_FILE_MAX_AGE_S = 7 * 24 * 3600


class ContactaLoginView(LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


def _pick_tenant(request: HttpRequest, capability: Capability) -> tuple[Tenant | None,
                                                                       list[Tenant]]:
    allowed = [t for t in tenants_of(request.user) if can(request.user, t, capability)]
    wanted = request.GET.get("tenant", "")
    chosen = next((t for t in allowed if t.slug == wanted), allowed[0] if allowed else None)
    return chosen, allowed


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if any(can(request.user, t, Capability.MONITOR) for t in tenants_of(request.user)):
        return redirect("supervisor")
    return redirect("agent")


def _staff_page(request: HttpRequest, capability: Capability, template: str) -> HttpResponse:
    tenant, allowed = _pick_tenant(request, capability)
    if tenant is None:
        return render(request, "web/no_tenant.html", status=403)
    context: dict[str, Any] = {"tenant": tenant, "tenants": allowed,
                               "config": {"tenant": tenant.slug, "timeZone": tenant.time_zone,
                                          "language": request.LANGUAGE_CODE}}
    return render(request, template, context)


@login_required
def agent_desktop(request: HttpRequest) -> HttpResponse:
    response = _staff_page(request, Capability.HANDLE, "web/agent.html")
    tenant = _pick_tenant(request, Capability.HANDLE)[0]
    if tenant and not AgentProfile.objects.for_tenant(tenant).filter(user=request.user).exists():
        return render(request, "web/no_tenant.html", status=403)
    return response


@login_required
def supervisor(request: HttpRequest) -> HttpResponse:
    return _staff_page(request, Capability.MONITOR, "web/supervisor.html")


@xframe_options_exempt  # the widget embeds this page in the client's web site
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type]
@require_GET
def chat_page(request: HttpRequest, inbox_key: str) -> HttpResponse:
    inbox = inbox_by_key(inbox_key)
    if inbox is None:
        raise Http404
    return render(request, "web/chat.html", {
        "inbox": inbox, "config": {"inboxKey": inbox.public_key,
                                   "maxChars": settings.MESSAGE_MAX_CHARS,
                                   "maxUpload": settings.UPLOAD_MAX_BYTES}})


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    return render(request, "web/widget.js", {"origin": request.build_absolute_uri("/")[:-1]},
                  content_type="application/javascript")


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    for tenant in tenants_of(request.user):
        att = Attachment.objects.for_tenant(tenant).filter(pk=attachment_id).first()
        if att is None:
            continue
        agent = AgentProfile.objects.for_tenant(tenant).filter(user=request.user).first()
        see_all = can(request.user, tenant, Capability.SUPERVISE) or not can(
            request.user, tenant, Capability.HANDLE)
        if visible_conversations(tenant, agent, see_all).filter(pk=att.conversation_id).exists():
            return _file(att)
    raise Http404


def visitor_attachment(request: HttpRequest, signed: str) -> FileResponse:  # noqa: ARG001
    try:
        attachment_id = signing.loads(signed, salt=VISITOR_FILE_SALT,
                                      max_age=VISITOR_FILE_MAX_AGE_S)
    except signing.BadSignature as exc:
        raise Http404 from exc
    att = Attachment.objects.filter(pk=attachment_id).first()
    if att is None:
        raise Http404
    return _file(att)


def _file(att: Attachment) -> FileResponse:
    inline = att.content_type.startswith("image/") or att.content_type == "application/pdf"
    response = FileResponse(att.file.open("rb"), content_type=att.content_type,
                            as_attachment=not inline, filename=att.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
