"""One generator for the configuration resources: list, create, read, patch, delete.

Every generated endpoint resolves its tenant through `scope`, reads through `for_tenant`, checks
that every referenced id belongs to the same tenant, and validates with the model's own rules
(the same ones the admin uses). This module deliberately has no `from __future__ import
annotations`: ninja reads the endpoint annotations at definition time.
"""

from typing import Any, Optional

from django.db import models, transaction
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import create_model

from contacta.api.scope import get_or_404, scope
from contacta.errors import DomainError
from contacta.tenants.access import Capability
from contacta.tenants.models import Tenant


def partial_schema(schema: type[Schema]) -> type[Schema]:
    fields: dict[str, Any] = {
        name: (Optional[field.annotation], None)  # noqa: UP045 - pydantic needs the runtime form
        for name, field in schema.model_fields.items()
    }
    return create_model(f"{schema.__name__}Patch", __base__=Schema, **fields)


def check_references(tenant: Tenant, data: dict[str, Any],
                     references: dict[str, type[models.Model]]) -> None:
    for field, model in references.items():
        value = data.get(field)
        if value is None:
            continue
        if not model.objects.for_tenant(tenant).filter(pk=value).exists():  # type: ignore[attr-defined]
            raise DomainError(f"{field} does not exist in this tenant", field=field)


def save_validated(obj: models.Model) -> None:
    obj.full_clean()  # model validators and unique constraints; errors name their fields
    obj.save()


def register(router: Router, path: str, model: type[models.Model], schema_in: type[Schema],
             schema_out: type[Schema], *, references: dict[str, type[models.Model]] | None = None,
             filters: tuple[str, ...] = ()) -> None:
    refs = references or {}
    schema_patch = partial_schema(schema_in)
    name = path.replace("-", "_")
    tenant_path = "/tenants/{tenant}/" + path

    @router.get(tenant_path, response=list[schema_out],  # type: ignore[valid-type]
                operation_id=f"{name}_list",
                tags=[path])
    def list_items(request: HttpRequest, tenant: str) -> Any:
        t = scope(request, tenant, Capability.VIEW)
        queryset = model.objects.for_tenant(t)  # type: ignore[attr-defined]
        for param in filters:
            value = request.GET.get(param)
            if value is not None:
                if not value.isdigit():
                    raise DomainError(f"{param} must be an id", field=param)
                queryset = queryset.filter(**{param: int(value)})
        return list(queryset[:1000])

    @router.post(tenant_path, response={201: schema_out}, operation_id=f"{name}_create",
                 tags=[path])
    def create_item(request: HttpRequest, tenant: str, payload: schema_in) -> Any:  # type: ignore[valid-type]
        t = scope(request, tenant, Capability.MANAGE)
        data = payload.model_dump()  # type: ignore[attr-defined]
        check_references(t, data, refs)
        obj = model(tenant=t, **data)
        with transaction.atomic():
            save_validated(obj)
        return Status(201, obj)

    @router.get(tenant_path + "/{item_id}", response=schema_out, operation_id=f"{name}_get",
                tags=[path])
    def get_item(request: HttpRequest, tenant: str, item_id: int) -> Any:
        t = scope(request, tenant, Capability.VIEW)
        return get_or_404(model.objects.for_tenant(t), item_id, name)  # type: ignore[attr-defined]

    @router.patch(tenant_path + "/{item_id}", response=schema_out,
                  operation_id=f"{name}_update", tags=[path])
    def update_item(request: HttpRequest, tenant: str, item_id: int,
                    payload: schema_patch) -> Any:  # type: ignore[valid-type]
        t = scope(request, tenant, Capability.MANAGE)
        obj = get_or_404(model.objects.for_tenant(t), item_id, name)  # type: ignore[attr-defined]
        data = payload.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        check_references(t, data, refs)
        for field, value in data.items():
            setattr(obj, field, value)
        with transaction.atomic():
            save_validated(obj)
        return obj

    @router.delete(tenant_path + "/{item_id}", response={204: None},
                   operation_id=f"{name}_delete", tags=[path])
    def delete_item(request: HttpRequest, tenant: str, item_id: int) -> Any:
        t = scope(request, tenant, Capability.MANAGE)
        obj = get_or_404(model.objects.for_tenant(t), item_id, name)  # type: ignore[attr-defined]
        try:
            obj.delete()
        except models.ProtectedError as exc:
            raise DomainError(f"{name} is still in use", field="id") from exc
        return Status(204, None)
