"""The voice API: call controls become commands for the voice process, with clear errors for
bad input; click-to-call and originate refuse what cannot be dialled."""

from __future__ import annotations

import pytest
from django.test import Client

from contacta.connectors.models import Inbox, InboxKind
from contacta.contacts.models import Contact
from contacta.conversations.models import Conversation
from contacta.voice.models import AgentPhone, Call, VoiceCommand
from tests.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    w = make_world("vapi", agents=2)
    line = Inbox.objects.create(tenant=w.tenant, name="Línea", kind=InboxKind.VOICE,
                                default_queue=w.queue, public_key="vapi-line",
                                provider_account_id="6015550100")
    contact = Contact.objects.create(tenant=w.tenant, name="Camila", phone="+573001234567")
    conv = Conversation.objects.create(tenant=w.tenant, inbox=line, contact=contact,
                                       channel="voice", status="assigned",
                                       assignee=w.agents[0], queue=w.queue)
    call = Call.objects.create(tenant=w.tenant, inbox=line, conversation=conv,
                               caller="573001234567", status="connected")
    AgentPhone.objects.create(tenant=w.tenant, agent=w.agents[1],
                              sip_uri="sip:agent2@127.0.0.1:5099")
    client = Client()
    client.force_login(w.agents[0].user)
    return w, conv, call, contact, client


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_controls_become_commands(setup):
    w, conv, call, _, client = setup
    base = f"/api/v1/tenants/vapi/conversations/{conv.pk}/call"
    assert post(client, base, {"action": "hold"}).status_code == 202
    assert post(client, base, {"action": "dtmf", "digits": "12#"}).status_code == 202
    assert post(client, base, {"action": "transfer_number", "number": "+573109998877"}
                ).status_code == 202
    assert post(client, base, {"action": "consult", "agent_id": w.agents[1].pk}
                ).status_code == 202
    ops = list(VoiceCommand.objects.filter(call=call).order_by("id").values_list("op", "args"))
    assert ops == [("hold", {}), ("dtmf", {"digits": "12#"}),
                   ("transfer", {"number": "+573109998877"}),
                   ("consult", {"agent_id": w.agents[1].pk, "uri": "sip:agent2@127.0.0.1:5099"})]
    assert client.get(base).json()["status"] == "connected"


@pytest.mark.parametrize(("body", "status"), [
    ({"action": "explode"}, 422),
    ({"action": "dtmf", "digits": "12a"}, 422),
    ({"action": "dtmf"}, 400),
    ({"action": "transfer_number", "number": "12"}, 400),
    ({"action": "transfer_number", "number": "57;drop"}, 422),
    ({"action": "consult", "agent_id": 999999}, 404),
    ({"action": "consult"}, 404),
    ({}, 422),
])
def test_bad_controls_are_refused(setup, body, status):
    _, conv, call, _, client = setup
    response = post(client, f"/api/v1/tenants/vapi/conversations/{conv.pk}/call", body)
    assert response.status_code == status, response.content
    assert not VoiceCommand.objects.filter(call=call).exists()


def test_ended_call_and_chat_conversation_refuse_controls(setup):
    w, conv, call, _, client = setup
    call.status = "ended"
    call.save()
    assert post(client, f"/api/v1/tenants/vapi/conversations/{conv.pk}/call",
                {"action": "hold"}).status_code == 409
    chat = Conversation.objects.create(tenant=w.tenant, inbox=w.inbox, contact=conv.contact,
                                       status="assigned", assignee=w.agents[0], queue=w.queue)
    assert post(client, f"/api/v1/tenants/vapi/conversations/{chat.pk}/call",
                {"action": "hold"}).status_code == 404


def test_click_to_call_needs_a_phone_and_a_number(setup):
    w, _, _, contact, client = setup
    path = f"/api/v1/tenants/vapi/contacts/{contact.pk}/call"
    refused = client.post(path)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "agent"
    AgentPhone.objects.create(tenant=w.tenant, agent=w.agents[0],
                              sip_uri="sip:agent1@127.0.0.1:5098")
    placed = client.post(path)
    assert placed.status_code == 202
    call = Call.objects.get(pk=placed.json()["id"])
    assert (call.direction, call.called) == ("out", "573001234567")
    assert call.conversation.assignee_id == w.agents[0].pk
    assert VoiceCommand.objects.get(call=call).op == "dial"


def test_originate_validates_and_queues_a_command(setup):
    w, *_ = setup
    admin = Client()
    admin.force_login(w.admin)
    bad = post(admin, "/api/v1/tenants/vapi/calls", {"to": "abc"})
    assert bad.status_code == 422
    too_short = post(admin, "/api/v1/tenants/vapi/calls", {"to": "+573001", "ring_seconds": 1})
    assert too_short.status_code == 422
    placed = post(admin, "/api/v1/tenants/vapi/calls", {"to": "+573001234567",
                                                        "ring_seconds": 20})
    assert placed.status_code == 202
    body = admin.get(f"/api/v1/tenants/vapi/calls/{placed.json()['id']}").json()
    assert (body["direction"], body["status"], body["answering_machine"]) == (
        "out", "ringing", "unknown")
    command = VoiceCommand.objects.get(call_id=body["id"])
    assert command.args == {"to": "+573001234567", "queue_id": None, "ring_seconds": 20}


def test_a_number_belongs_to_one_client_company(setup):
    from django.core.exceptions import ValidationError

    other = make_world("vapi2", agents=0)
    duplicate = Inbox(tenant=other.tenant, name="Línea", kind=InboxKind.VOICE,
                      default_queue=other.queue, public_key="vapi2-line",
                      provider_account_id="6015550100")
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    chat = Inbox(tenant=other.tenant, name="Chat", default_queue=other.queue,
                 public_key="vapi2-chat", provider_account_id="6015550100")
    chat.full_clean()  # only voice numbers are exclusive
