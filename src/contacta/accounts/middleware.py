"""Staff see the UI in their own language, else their client company's default language, and
times in that company's time zone. Customers (anonymous) keep their browser's language."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from contacta.tenants.access import tenants_of


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            tenants = tenants_of(user)
            wanted = request.GET.get("tenant", "")
            tenant = next((t for t in tenants if t.slug == wanted), tenants[0] if tenants else None)
            language = getattr(user, "language", "") or (tenant.language if tenant else "")
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
            if tenant is not None:
                timezone.activate(ZoneInfo(tenant.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
