"""People of a tenant: list its members, and let a tenant admin create a user with a role."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from contacta.accounts.models import User
from contacta.api.scope import scope
from contacta.errors import ConflictError, DomainError
from contacta.tenants.access import Capability
from contacta.tenants.models import Membership, Role

router = Router(tags=["users"])


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str = Field(..., min_length=8, max_length=128)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    language: str = Field("", max_length=8)
    role: str = "agent"


def _member(m: Membership) -> dict[str, Any]:
    u = m.user
    return {"id": u.pk, "username": u.username, "first_name": u.first_name,
            "last_name": u.last_name, "email": u.email, "language": u.language,
            "role": m.role, "membership_id": m.pk}


@router.get("/tenants/{tenant}/users", response=list[dict[str, Any]])
def users_list(request: HttpRequest, tenant: str) -> Any:
    t = scope(request, tenant, Capability.VIEW)
    return [_member(m) for m in Membership.objects.for_tenant(t).select_related("user")
            .order_by("user__username")]


@router.post("/tenants/{tenant}/users", response={201: dict[str, Any]})
def users_create(request: HttpRequest, tenant: str, payload: UserIn) -> Any:
    t = scope(request, tenant, Capability.MANAGE)
    if payload.role not in Role.values:
        raise DomainError(f"role must be one of {', '.join(Role.values)}", field="role")
    if User.objects.filter(username__iexact=payload.username).exists():
        raise ConflictError("that username is taken", field="username")
    user = User(username=payload.username, first_name=payload.first_name,
                last_name=payload.last_name, email=payload.email, language=payload.language)
    try:
        validate_password(payload.password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from exc
    user.set_password(payload.password)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        membership = Membership.objects.create(tenant=t, user=user, role=payload.role)
    return Status(201, _member(membership))
