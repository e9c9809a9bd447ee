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


# A WhatsApp id is the number without "+"; SMS identities are E.164 already.
PHONE_KINDS = {IdentityKind.PHONE, "whatsapp"}


def _phone_of(kind: str, value: str, country: str) -> str:
    if kind not in PHONE_KINDS:
        return ""
    try:
        return phone_normalize(value if value.startswith("+") else f"+{value}", country)
    except ValidationError:
        return ""


def contact_for_channel_identity(*, tenant: Tenant, kind: str, value: str,
                                 name: str = "") -> Contact:
    """The contact for a new channel identity: the one already known by the same phone or
    e-mail (the same person on WhatsApp, SMS and e-mail), else a new contact."""
    phone = _phone_of(kind, value, tenant.country)
    email = value.lower() if kind == IdentityKind.EMAIL else ""
    match = None
    if phone:
        match = (ContactIdentity.objects.for_tenant(tenant).select_related("contact")
                 .filter(kind=IdentityKind.PHONE, value=phone).first())
        match_contact = match.contact if match else (
            Contact.objects.for_tenant(tenant).filter(phone=phone).first())
    elif email:
        match = (ContactIdentity.objects.for_tenant(tenant).select_related("contact")
                 .filter(kind=IdentityKind.EMAIL, value=email).first())
        match_contact = match.contact if match else (
            Contact.objects.for_tenant(tenant).filter(email=email).first())
    else:
        match_contact = None
    contact = match_contact or Contact.objects.create(tenant=tenant, name=name[:200],
                                                      phone=phone, email=email)
    if not contact.name and name:
        contact.name = name[:200]
        contact.save(update_fields=["name"])
    ContactIdentity.objects.get_or_create(tenant=tenant, kind=kind, value=value,
                                          defaults={"contact": contact})
    if phone and kind != IdentityKind.PHONE:
        ContactIdentity.objects.get_or_create(tenant=tenant, kind=IdentityKind.PHONE,
                                              value=phone, defaults={"contact": contact})
    return contact


def contact_merge(*, tenant: Tenant, keep: Contact, absorb: Contact) -> Contact:
    """One person found twice: move identities and conversations to `keep`, fill its blanks."""
    if keep.tenant_id != tenant.pk or absorb.tenant_id != tenant.pk:
        raise ValidationError({"contact": "both contacts must belong to this tenant"})
    if keep.pk == absorb.pk:
        raise ValidationError({"other_id": "a contact cannot be merged with itself"})
    with transaction.atomic():
        for field in ("name", "email", "phone", "time_zone"):
            if not getattr(keep, field) and getattr(absorb, field):
                setattr(keep, field, getattr(absorb, field))
        if keep.owner_agent_id is None:
            keep.owner_agent_id = absorb.owner_agent_id
        keep.save()
        ContactIdentity.objects.for_tenant(tenant).filter(contact=absorb).update(contact=keep)
        from contacta.conversations.models import Conversation

        Conversation.objects.for_tenant(tenant).filter(contact=absorb).update(contact=keep)
        absorb.delete()
    return keep
