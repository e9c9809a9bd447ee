"""The REST API at /api/v1 (OpenAPI at /api/v1/openapi.json). Errors are JSON naming the field."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status

from contacta import __version__
from contacta.api import agents, calls, config, conversations, users, webchat
from contacta.api.auth import STAFF_AUTH
from contacta.api.scope import scope
from contacta.errors import DomainError
from contacta.tenants.access import Capability, role_in, tenants_of
from contacta.tenants.models import Tenant

api = NinjaAPI(title="Contacta API", version=__version__, urls_namespace="api",
               auth=STAFF_AUTH)


def _errors(request: HttpRequest, status: int, detail: str,
            errors: list[dict[str, str]]) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _errors(request, exc.status_code, exc.message,
                   [{"field": exc.field, "message": exc.message}])


@api.exception_handler(NinjaValidationError)
def on_invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        location = [str(p) for p in item.get("loc", ()) if p not in ("body", "payload", "query",
                                                                       "path", "form", "file")]
        errors.append({"field": ".".join(location), "message": str(item.get("msg", "invalid"))})
    return _errors(request, 422, "invalid input", errors)


@api.exception_handler(ValidationError)
def on_model_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [{"field": "" if f == "__all__" else f, "message": " ".join(m)}
                  for f, m in exc.message_dict.items()]
    else:
        errors = [{"field": "", "message": m} for m in exc.messages]
    return _errors(request, 400, "invalid input", errors)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _errors(request, 403, "forbidden", [{"field": "", "message": str(exc) or "forbidden"}])


meta = Router(tags=["tenants"])


class TenantIn(Schema):
    slug: str
    name: str
    time_zone: str = "America/Bogota"
    language: str = "es"
    country: str = "CO"


class TenantPatch(Schema):
    name: str | None = None
    time_zone: str | None = None
    language: str | None = None
    country: str | None = None


def _tenant_out(tenant: Tenant, role: str | None) -> dict[str, Any]:
    return {"slug": tenant.slug, "name": tenant.name, "time_zone": tenant.time_zone,
            "language": tenant.language, "country": tenant.country, "role": role}


@meta.get("/me", response=dict[str, Any])
def me(request: HttpRequest) -> Any:
    user = request.user
    return {"username": user.get_username(), "name": user.get_full_name(),  # type: ignore[union-attr]
            "language": getattr(user, "language", ""),
            "is_platform_admin": user.is_superuser,
            "tenants": [_tenant_out(t, role_in(user, t)) for t in tenants_of(user)]}


@meta.get("/tenants", response=list[dict[str, Any]])
def tenants_list(request: HttpRequest) -> Any:
    return [_tenant_out(t, role_in(request.user, t)) for t in tenants_of(request.user)]


@meta.post("/tenants", response={201: dict[str, Any]})
def tenant_create(request: HttpRequest, payload: TenantIn) -> Any:
    if not request.user.is_superuser:
        raise PermissionDenied("only platform admins create tenants")
    tenant = Tenant(**payload.model_dump())
    tenant.full_clean()
    tenant.save()
    return Status(201, _tenant_out(tenant, role_in(request.user, tenant)))


@meta.get("/tenants/{tenant}", response=dict[str, Any])
def tenant_get(request: HttpRequest, tenant: str) -> Any:
    t = scope(request, tenant)
    return _tenant_out(t, role_in(request.user, t))


@meta.patch("/tenants/{tenant}", response=dict[str, Any])
def tenant_update(request: HttpRequest, tenant: str, payload: TenantPatch) -> Any:
    t = scope(request, tenant, Capability.MANAGE)
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(t, field, value)
    t.full_clean()
    t.save()
    return _tenant_out(t, role_in(request.user, t))


api.add_router("", meta)
# agents before config: "/agents/me" must win over the generic "/agents/{item_id}".
api.add_router("", agents.router)
api.add_router("", config.router)
api.add_router("", conversations.router)
api.add_router("", calls.router)
api.add_router("", users.router)
api.add_router("", webchat.router, auth=None)
