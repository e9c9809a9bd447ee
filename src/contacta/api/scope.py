"""Resolve the tenant named in the URL for the authenticated caller, or answer 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from contacta.errors import NotFoundError
from contacta.routing.models import AgentProfile
from contacta.tenants.access import Capability, TenantAccessDeniedError, can, tenant_for
from contacta.tenants.models import Tenant


def scope(request: HttpRequest, slug: str, capability: Capability = Capability.VIEW) -> Tenant:
    """The one door to tenant data in the API: membership, capability and token restriction."""
    token_tenant = getattr(request, "api_token_tenant_id", None)
    try:
        tenant = tenant_for(request.user, slug, capability)
    except TenantAccessDeniedError as exc:
        raise NotFoundError("tenant not found", field="tenant") from exc
    if token_tenant is not None and token_tenant != tenant.pk:
        raise NotFoundError("tenant not found", field="tenant")
    return tenant


def get_or_404(queryset: Any, pk: int, field: str) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFoundError(f"{field} not found", field=field)
    return obj


def current_agent(request: HttpRequest, tenant: Tenant) -> AgentProfile:
    agent = (AgentProfile.objects.for_tenant(tenant).select_related("user")
             .filter(user=request.user).first())
    if agent is None:
        raise NotFoundError("you are not an agent of this tenant", field="agent")
    return agent


def supervising(request: HttpRequest, tenant: Tenant) -> bool:
    return can(request.user, tenant, Capability.SUPERVISE)
