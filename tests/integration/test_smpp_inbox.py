"""An SMPP inbox end to end against an SMSC on loopback: a mobile-originated SMS becomes a
conversation, the agent's reply is submitted, the receipt marks it delivered, and the bind
comes back after the SMSC ends the session."""

from __future__ import annotations

import asyncio
import socket

import pytest
import smpp34
from asgiref.sync import sync_to_async
from django.utils import timezone

from contacta.connectors.models import InboundEvent, Inbox, InboxKind
from contacta.connectors.services import inbound_process, outbox_send
from contacta.connectors.sms.smpp import gsm, pdu
from contacta.connectors.sms.smpp.adapter import supervise
from contacta.conversations.models import Conversation, Message
from contacta.conversations.services import conversation_accept, message_send
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from tests.factories import make_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def until(check, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await sync_to_async(check)():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def make_inbox(port):
    w = make_world("smpp", agents=1)
    return w, Inbox.objects.create(tenant=w.tenant, name="SMS", kind=InboxKind.SMPP,
                                   default_queue=w.queue, public_key="smpp-inbox",
                                   credential_env="CONTACTA_SMPP",
                                   provider_account_id="890123")


def answer(w, inbox):
    inbound_process(w.tenant, timezone.now())
    conv = Conversation.objects.get(inbox=inbox)
    agent = w.agents[0]
    agent_state_set(w.tenant, agent, status="available")
    routing_tick(w.tenant, timezone.now())
    conv = conversation_accept(tenant=w.tenant, conversation=conv, agent=agent)
    return message_send(tenant=w.tenant, conversation=conv, agent=agent,
                        body="Sí, el lunes puede pagar en cualquier corresponsal.")


async def test_sms_in_reply_out_receipt_and_rebind(monkeypatch):
    port = free_port()
    for name, value in (("SMPP_HOST", "127.0.0.1"), ("SMPP_PORT", str(port)),
                        ("SMPP_SYSTEM_ID", "contacta"), ("SMPP_PASSWORD", "secret")):
        monkeypatch.setenv(f"CONTACTA_SMPP_{name}", value)
    smsc = smpp34.Server("127.0.0.1", port, system_id="smsc")
    await smsc.start()
    w, inbox = await sync_to_async(make_inbox)(port)
    stop = asyncio.Event()
    binds = asyncio.create_task(supervise(inbox, stop, backoff_s=0.1))
    esme = await asyncio.wait_for(smsc.next(), 5)
    await esme.deliver_sm("890123", gsm.gsm_encode("¿Puedo pagar el lunes?"),
                          source_addr="+573001234567")
    await until(lambda: InboundEvent.objects.count() == 1)
    reply = await sync_to_async(answer)(w, inbox)
    sending = asyncio.create_task(sync_to_async(outbox_send, thread_sensitive=False)(
        w.tenant, timezone.now()))
    second = await asyncio.wait_for(smsc.next(), 5)  # the outbox binds on its own
    assert isinstance(second, smpp34.Esme)
    submit = await asyncio.wait_for(smsc.next(), 5)
    assert isinstance(submit, smpp34.SubmitSmEvent)
    assert submit.destination_addr == "+573001234567"
    assert gsm.decode(submit.data_coding, bytes(submit.short_message), False)[0] == reply.body
    submit.accept("mt-1")
    await sending
    await sync_to_async(reply.refresh_from_db)()
    assert (reply.status, reply.provider_id) == ("sent", "mt-1")
    await esme.deliver_sm("890123", b"id:mt-1 sub:001 dlvrd:001 submit date:2611271200 "
                          b"done date:2611271201 stat:DELIVRD err:000 text:",
                          source_addr="+573001234567", esm_class=pdu.ESM_DELIVERY_RECEIPT)
    await until(lambda: InboundEvent.objects.count() == 2)
    await sync_to_async(inbound_process)(w.tenant, timezone.now())
    await until(lambda: Message.objects.get(pk=reply.pk).status == "delivered")
    # The SMSC ends the session (maintenance, failover): the bind comes back by itself.
    await esme.unbind()
    again = await asyncio.wait_for(smsc.next(), 10)
    while not isinstance(again, smpp34.Esme):  # the end of the old session is reported first
        again = await asyncio.wait_for(smsc.next(), 10)
    stop.set()
    await asyncio.wait_for(binds, 5)
    await smsc.stop()
