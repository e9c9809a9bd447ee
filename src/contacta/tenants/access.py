"""Who may do what in a tenant. Every entry point resolves its tenant through here."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from contacta.tenants.models import Membership, Role, Tenant


class Capability(StrEnum):
    VIEW = "view"  # read configuration and the tenant's own data
    HANDLE = "handle"  # work conversations as an agent
    SUPERVISE = "supervise"  # see every conversation, force agent states
    MONITOR = "monitor"  # the live view: supervisors, and clients watching their own center
    MANAGE = "manage"  # change configuration


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CLIENT_VIEWER: frozenset({Capability.VIEW, Capability.MONITOR}),
    Role.AGENT: frozenset({Capability.VIEW, Capability.HANDLE}),
    Role.SUPERVISOR: frozenset({Capability.VIEW, Capability.HANDLE, Capability.SUPERVISE,
                                Capability.MONITOR}),
    Role.TENANT_ADMIN: frozenset(Capability),
}


class TenantAccessDeniedError(Exception):
    """The user is not a member of the tenant, or lacks the capability."""


def role_in(user: Any, tenant: Tenant) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.TENANT_ADMIN  # platform admins administer every client company
    membership = Membership.objects.for_tenant(tenant).filter(user=user).first()
    return membership.role if membership else None


def can(user: Any, tenant: Tenant, capability: Capability) -> bool:
    role = role_in(user, tenant)
    return role is not None and capability in ROLE_CAPABILITIES[role]


def tenant_for(user: Any, slug: str, capability: Capability) -> Tenant:
    """The tenant named `slug` if `user` may exercise `capability` there; otherwise raise.

    A missing tenant and a forbidden one raise the same error, so ids never leak.
    """
    tenant = Tenant.objects.filter(slug=slug, is_active=True).first()
    if tenant is None or not can(user, tenant, capability):
        raise TenantAccessDeniedError(slug)
    return tenant


def tenants_of(user: Any) -> list[Tenant]:
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return list(Tenant.objects.filter(is_active=True))
    member_of = Membership.objects.filter(user=user).values("tenant_id")
    return list(Tenant.objects.filter(is_active=True, id__in=member_of))
