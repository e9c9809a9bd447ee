"""Writes for contacts: find-or-create by identity, normalising phones and emails."""

from __future__ import annotations

import hashlib

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from contacta.contacts.models import Contact, ContactIdentity, IdentityKind
from contacta.tenants.models import Tenant


def phone_normalize(raw: str, country: str) -> str:
    """E.164 form of `raw`, read in the tenant's country when it has no + prefix."""
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError({"phone": "not a phone number"}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({"phone": "not a valid phone number"})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_normalize(raw: str) -> str:
    value = raw.strip().lower()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError({"email": "not a valid email address"}) from exc
    return value


def visitor_identity_value(token: str) -> str:
    # Only a hash of the visitor token is stored: a database leak must not let anyone resume chats.
    return hashlib.sha256(token.encode()).hexdigest()


def contact_resolve(
    *, tenant: Tenant, visitor_token: str, name: str = "", email: str = "", phone: str = ""
) -> Contact:
    """The contact behind a chat visitor, merged with an existing one by email or phone."""
    identities: list[tuple[str, str]] = [(IdentityKind.WEBCHAT, visitor_identity_value(visitor_token))]
    if email:
        identities.append((IdentityKind.EMAIL, email_normalize(email)))
    if phone:
        identities.append((IdentityKind.PHONE, phone_normalize(phone, tenant.country)))
    with transaction.atomic():
        known = (ContactIdentity.objects.for_tenant(tenant)
                 .filter(kind__in=[k for k, _ in identities], value__in=[v for _, v in identities])
                 .select_related("contact").order_by("created_at").first())
        contact = known.contact if known else Contact.objects.create(tenant=tenant)
        changed = False
        for field, value in (("name", name.strip()[:200]),
                             ("email", dict(identities).get(IdentityKind.EMAIL, "")),
                             ("phone", dict(identities).get(IdentityKind.PHONE, ""))):
            if value and not getattr(contact, field):
                setattr(contact, field, value)
                changed = True
        if changed:
            contact.save()
        for kind, value in identities:
            try:
                with transaction.atomic():
                    ContactIdentity.objects.get_or_create(
                        tenant=tenant, kind=kind, value=value, defaults={"contact": contact})
            except IntegrityError:
                pass  # claimed concurrently by the same person's other tab: keep the first
    return contact
