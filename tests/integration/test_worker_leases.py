"""Several `contacta worker` processes may run (multi-node): provider work for a tenant is
done by one of them at a time. Two workers passing over the same outbox at once send every
reply exactly once, and a held lease is seen as taken from another connection."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from django.db import close_old_connections
from django.utils import timezone

from contacta.connectors.models import Inbox, InboxKind
from contacta.connectors.services import connectors_tick
from contacta.conversations.models import Conversation, Message
from contacta.conversations.services import (
    conversation_for_identity,
    message_receive,
    message_send,
)
from contacta.routing.models import AgentProfile, Queue
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.tenants.leases import installation_lease, tenant_lease
from contacta.testing.provider_server import ProviderServer
from contacta.voice.runner import run_voice
from tests.factories import make_world

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(work):
    """Run `work` in a thread of its own, with its own database connection."""
    failures: list[BaseException] = []

    def run():
        try:
            work()
        except BaseException as exc:  # handed back to the test
            failures.append(exc)
        finally:
            close_old_connections()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def test_a_held_lease_is_taken_for_everyone_else_until_released():
    w = make_world("lease", agents=0)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with tenant_lease("connectors", w.tenant.pk) as held:
            assert held
            holding.set()
            release.wait(10)

    thread, failures = in_thread(hold)
    assert holding.wait(10)
    with tenant_lease("connectors", w.tenant.pk) as held:
        assert held is False
    with tenant_lease("routing-report", w.tenant.pk) as other_work:
        assert other_work  # another kind of work has its own lease
    release.set()
    thread.join(10)
    assert failures == []
    with tenant_lease("connectors", w.tenant.pk) as held:
        assert held


def test_two_workers_send_each_reply_once(monkeypatch):
    def slow_graph(_path, body, count):
        time.sleep(0.03)  # a provider taking its time: the two workers' passes overlap
        return 200, {"messaging_product": "whatsapp", "contacts": [{"wa_id": body["to"]}],
                     "messages": [{"id": f"wamid.OUT{count}"}]}

    graph = ProviderServer(slow_graph)
    try:
        w = make_world("twoworkers", agents=1)
        AgentProfile.objects.filter(pk=w.agents[0].pk).update(messaging_capacity=20)
        Queue.objects.filter(pk=w.queue.pk).update(auto_accept=True)
        monkeypatch.setenv("CONTACTA_WA_TWO_ACCESS_TOKEN", "token")
        inbox = Inbox.objects.create(
            tenant=w.tenant, name="WhatsApp", kind=InboxKind.WHATSAPP, default_queue=w.queue,
            public_key="wa-two", credential_env="CONTACTA_WA_TWO", api_base_url=graph.url,
            provider_account_id="106540352242922")
        agent_state_set(w.tenant, w.agents[0], status="available")
        conversations = []
        for n in range(12):
            conv = conversation_for_identity(tenant=w.tenant, inbox=inbox, kind="whatsapp",
                                             value=f"5730000000{n:02d}")
            message_receive(tenant=w.tenant, conversation=conv, body="hola",
                            client_id=f"in-{n}", provider_id=f"wamid.IN{n}")
            conversations.append(conv)
        for _ in range(4):
            routing_tick(w.tenant, timezone.now())
        for conv in Conversation.objects.filter(pk__in=[c.pk for c in conversations]):
            assert conv.assignee_id == w.agents[0].pk
            message_send(tenant=w.tenant, conversation=conv, agent=w.agents[0],
                         body="Gracias por escribirnos", client_id=f"out-{conv.pk}")

        def work():
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and Message.objects.filter(
                    direction="out", status="pending").exists():
                connectors_tick(timezone.now())

        workers = [in_thread(work) for _ in range(2)]
        for thread, _ in workers:
            thread.join(30)
        assert [f for _, failures in workers for f in failures] == []
        sent_to = [body["to"] for path, body, _ in graph.requests if path.endswith("/messages")]
        assert len(sent_to) == 12
        assert len(set(sent_to)) == 12  # nobody got the reply twice
        assert Message.objects.filter(direction="out", status="sent").count() == 12
    finally:
        graph.close()


def test_a_second_voice_controller_does_not_start(capsys):
    class Engine:  # would be PJSUA2 or ARI; it must not even be started
        started = False

        async def start(self):
            self.started = True

    with installation_lease("voice-controller") as held:
        assert held
        engine = Engine()
        asyncio.run(run_voice(engine, asyncio.Event()))  # type: ignore[arg-type]
        assert engine.started is False
        assert "one per installation" in capsys.readouterr().out
    with installation_lease("voice-controller") as held:
        assert held  # released with the first controller
