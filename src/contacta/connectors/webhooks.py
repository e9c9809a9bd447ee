"""Provider webhooks: verify, store the raw delivery, answer fast; a worker does the rest."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from contacta.connectors.models import Inbox
from contacta.connectors.registry import adapter_for
from contacta.connectors.services import inbound_event_store

log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 1024 * 1024


def _answer(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"ok": status == 200, "detail": detail}, status=status)


@csrf_exempt  # providers authenticate with their signature or secret, not a browser session
@require_http_methods(["GET", "POST"])
def provider_webhook(  # noqa: PLR0911 - one early answer per refusal reason
        request: HttpRequest, kind: str, inbox_key: str) -> HttpResponse:
    adapter = adapter_for(kind)
    inbox = (Inbox.objects.select_related("tenant")
             .filter(kind=kind, public_key=inbox_key, is_active=True, tenant__is_active=True)
             .first()) if adapter else None
    if adapter is None or inbox is None:
        return _answer(404, "unknown webhook")
    if request.method == "GET":  # subscription handshake (Graph API hub.challenge)
        handshake = getattr(adapter, "verify_subscription", None)
        challenge = handshake(inbox, request.GET) if handshake else None
        if challenge is None:
            return _answer(403, "verification failed")
        return HttpResponse(challenge, content_type="text/plain")
    declared = str(request.META.get("CONTENT_LENGTH") or "0")
    if not declared.isascii() or not declared.isdigit():
        return _answer(400, "bad Content-Length")
    if int(declared) > MAX_WEBHOOK_BYTES:
        return _answer(413, "payload too large")
    body = request.body
    if len(body) > MAX_WEBHOOK_BYTES:
        return _answer(413, "payload too large")
    if not adapter.verify(inbox, request.headers, body, url=request.build_absolute_uri()):
        log.warning("webhook for inbox %s failed verification", inbox.pk)
        return _answer(401, "verification failed")
    try:
        decode = getattr(adapter, "decode", json.loads)  # JSON unless the provider posts forms
        payload = decode(body)
    except (ValueError, RecursionError):  # not JSON or form, bad UTF-8, or nested too deep
        return _answer(400, "malformed body")
    event_id = adapter.event_id(payload, body)
    if event_id is None:
        return _answer(400, "no event id in the payload")
    created = inbound_event_store(inbox, event_id, payload)
    return _answer(200, "stored" if created else "duplicate")
