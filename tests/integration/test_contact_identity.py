"""One person, several channels: identities meet on phone and e-mail; a manual merge joins the
rest (and cannot reach another tenant)."""

from __future__ import annotations

import json

import pytest

from contacta.connectors.models import Inbox
from contacta.contacts.models import Contact
from contacta.conversations.models import Conversation
from contacta.conversations.services import conversation_for_identity, conversation_start
from tests.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = make_world("multi", agents=1)
    for kind in ("whatsapp", "sms", "email"):
        w.extra[kind] = Inbox.objects.create(tenant=w.tenant, name=kind, kind=kind,
                                             default_queue=w.queue, public_key=f"multi-{kind}")
    return w


def test_whatsapp_and_sms_from_one_number_are_one_contact(world):
    wa = conversation_for_identity(tenant=world.tenant, inbox=world.extra["whatsapp"],
                                   kind="whatsapp", value="573001234567", name="Camila")
    sms = conversation_for_identity(tenant=world.tenant, inbox=world.extra["sms"],
                                    kind="phone", value="+573001234567")
    assert wa.contact_id == sms.contact_id
    contact = Contact.objects.get(pk=wa.contact_id)
    assert (contact.name, contact.phone) == ("Camila", "+573001234567")
    kinds = sorted(contact.identities.values_list("kind", flat=True))
    assert kinds == ["phone", "whatsapp"]


def test_web_chat_email_and_mailbox_meet_on_the_address(world):
    chat = conversation_start(tenant=world.tenant, inbox=world.inbox,
                              visitor_token="visitor-multi-000001", email="Ana@Example.org")
    mail = conversation_for_identity(tenant=world.tenant, inbox=world.extra["email"],
                                     kind="email", value="ana@example.org")
    assert chat.contact_id == mail.contact_id


def test_manual_merge_moves_history_and_stays_in_the_tenant(world, client):
    chat = conversation_start(tenant=world.tenant, inbox=world.inbox,
                              visitor_token="visitor-multi-000002", name="Luis")
    wa = conversation_for_identity(tenant=world.tenant, inbox=world.extra["whatsapp"],
                                   kind="whatsapp", value="573009990000")
    client.force_login(world.supervisor)
    url = f"/api/v1/tenants/multi/contacts/{chat.contact_id}/merge"
    r = client.post(url, json.dumps({"other_id": wa.contact_id}), content_type="application/json")
    assert r.status_code == 200
    assert Conversation.objects.filter(contact_id=chat.contact_id).count() == 2
    assert not Contact.objects.filter(pk=wa.contact_id).exists()
    merged = Contact.objects.get(pk=chat.contact_id)
    assert merged.phone == "+573009990000"
    same = client.post(url, json.dumps({"other_id": chat.contact_id}),
                       content_type="application/json")
    assert same.status_code == 400
    other = make_world("othermulti")
    foreign = conversation_start(tenant=other.tenant, inbox=other.inbox,
                                 visitor_token="visitor-other-000001")
    r = client.post(url, json.dumps({"other_id": foreign.contact_id}),
                    content_type="application/json")
    assert r.status_code == 404
    assert Contact.objects.filter(pk=foreign.contact_id).exists()


def test_agents_merge_only_contacts_they_serve(world, client):
    chat = conversation_start(tenant=world.tenant, inbox=world.inbox,
                              visitor_token="visitor-multi-000003")
    other = conversation_start(tenant=world.tenant, inbox=world.inbox,
                               visitor_token="visitor-multi-000004")
    client.force_login(world.agents[0].user)
    r = client.post(f"/api/v1/tenants/multi/contacts/{chat.contact_id}/merge",
                    json.dumps({"other_id": other.contact_id}), content_type="application/json")
    assert r.status_code == 404
