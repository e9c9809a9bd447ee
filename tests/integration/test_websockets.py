"""The real-time endpoints through the real ASGI application and channel layer."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from contacta.config.asgi import application
from contacta.conversations.models import Message
from contacta.conversations.services import conversation_accept, conversation_start, message_send
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from tests.factories import make_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

TOKEN = "ws-visitor-token-000001"


def setup_assigned():
    w = make_world("wsco", agents=1)
    agent = w.agents[0]
    agent_state_set(w.tenant, agent, status="available")
    conv = conversation_start(tenant=w.tenant, inbox=w.inbox, visitor_token=TOKEN, name="Lu")
    routing_tick(w.tenant, timezone.now())
    conv.refresh_from_db()
    conv = conversation_accept(tenant=w.tenant, conversation=conv, agent=agent)
    c = Client()
    c.force_login(agent.user)
    return w, conv, c.cookies["sessionid"].value


async def receive_until(comm, kind, limit=20):
    for _ in range(limit):
        event = await comm.receive_json_from(timeout=3)
        if event["type"] == kind:
            return event
    raise AssertionError(f"no {kind} event")


async def test_visitor_message_reaches_agent_once_and_resume_skips_seen():
    w, conv, session = await sync_to_async(setup_assigned)()
    agent_ws = WebsocketCommunicator(application, "/ws/agent/wsco/",
                                     headers=[(b"cookie", f"sessionid={session}".encode())])
    assert (await agent_ws.connect())[0]
    visitor = WebsocketCommunicator(application, "/ws/chat/wsco-key/")
    assert (await visitor.connect())[0]
    await visitor.send_json_to({"type": "hello", "token": TOKEN, "after_id": 0})
    hello = await receive_until(visitor, "hello")
    assert hello["conversation"]["id"] == conv.pk
    frame = {"type": "message", "client_id": "m-1", "body": "¿Señal caída en Bogotá?"}
    await visitor.send_json_to(frame)
    await visitor.send_json_to(frame)  # a retry after a reconnect: must not duplicate
    got = await receive_until(agent_ws, "message.created")
    assert got["message"]["body"] == "¿Señal caída en Bogotá?"
    assert await sync_to_async(Message.objects.filter(conversation=conv, client_id="m-1").count)() == 1
    last_id = got["message"]["id"]
    await visitor.disconnect()
    # While the customer is away the agent answers; on reconnect only that reply comes back.
    await sync_to_async(message_send)(tenant=w.tenant, conversation=conv, agent=w.agents[0],
                                      body="Ya lo reviso")
    again = WebsocketCommunicator(application, "/ws/chat/wsco-key/")
    assert (await again.connect())[0]
    await again.send_json_to({"type": "hello", "token": TOKEN, "after_id": last_id})
    resumed = await receive_until(again, "hello")
    assert [m["body"] for m in resumed["messages"]] == ["Ya lo reviso"]
    await again.send_json_to({"type": "typing", "is_typing": True})
    typing = await receive_until(agent_ws, "typing")
    assert typing["who"] == "contact"
    await again.send_json_to({"type": "ack", "up_to_id": resumed["messages"][0]["id"],
                              "status": "read"})
    status = await receive_until(again, "message.status")
    assert status["status"] == "read"
    await again.disconnect()
    await agent_ws.disconnect()


async def test_bad_frames_get_clear_errors_and_nothing_is_stored():
    _w, conv, _ = await sync_to_async(setup_assigned)()
    ws = WebsocketCommunicator(application, "/ws/chat/wsco-key/")
    assert (await ws.connect())[0]
    await ws.send_to(text_data="not json")
    assert (await ws.receive_json_from())["type"] == "error"
    await ws.send_json_to({"type": "message", "body": "before hello"})
    assert (await ws.receive_json_from())["field"] == "type"
    await ws.send_json_to({"type": "hello", "token": TOKEN})
    await receive_until(ws, "hello")
    await ws.send_to(text_data=json.dumps({"type": "message", "body": "x" * 20000}))
    assert (await ws.receive_json_from())["field"] == "frame"
    await ws.send_json_to({"type": "message", "body": 42})
    assert (await ws.receive_json_from())["field"] == "body"
    await ws.send_json_to({"type": "message", "body": "hi", "attachment_ids": ["x"]})
    assert (await ws.receive_json_from())["field"] == "attachment_ids"
    await ws.send_json_to({"type": "ack", "up_to_id": -1})
    assert (await ws.receive_json_from())["field"] == "up_to_id"
    await ws.send_json_to({"type": "explode"})
    assert (await ws.receive_json_from())["field"] == "type"
    # Hostile but small: nested past any parser's depth, numbers past the database's bigint.
    await ws.send_to(text_data="[" * 5000)
    assert (await ws.receive_json_from())["type"] == "error"
    await ws.send_json_to({"type": "message", "body": "hi", "attachment_ids": [2**70]})
    assert (await ws.receive_json_from())["field"] == "attachment_ids"
    await ws.send_json_to({"type": "ack", "up_to_id": 2**64})
    assert (await ws.receive_json_from())["field"] == "up_to_id"
    await ws.send_json_to({"type": "hello", "token": TOKEN, "after_id": 2**64})
    assert (await ws.receive_json_from())["field"] == "after_id"
    await ws.send_json_to({"type": "ping"})  # and the socket still serves
    assert (await ws.receive_json_from())["type"] == "pong"
    assert await sync_to_async(Message.objects.filter(conversation=conv, direction="in").count)() == 0
    await ws.disconnect()


async def test_wrong_token_and_other_tenants_socket_are_refused():
    w, _conv, session = await sync_to_async(setup_assigned)()
    other = await sync_to_async(make_world)("otherco", agents=1)
    ws = WebsocketCommunicator(application, "/ws/chat/otherco-key/")
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello", "token": TOKEN})  # a wsco visitor on otherco's chat
    assert (await ws.receive_json_from())["type"] == "error"
    assert (await ws.receive_output(timeout=2))["type"] == "websocket.close"
    staff = WebsocketCommunicator(application, "/ws/agent/otherco/",
                                  headers=[(b"cookie", f"sessionid={session}".encode())])
    connected, code = await staff.connect()
    assert not connected
    assert code == 4403
    sup = WebsocketCommunicator(application, "/ws/supervisor/otherco/",
                                headers=[(b"cookie", f"sessionid={session}".encode())])
    assert not (await sup.connect())[0]
    anon = WebsocketCommunicator(application, "/ws/agent/wsco/")
    assert not (await anon.connect())[0]
    assert other.tenant.pk != w.tenant.pk


def setup_waiting():
    w = make_world("waitco", agents=1)
    for i in range(2):
        conversation_start(tenant=w.tenant, inbox=w.inbox, visitor_token=f"waiting-visitor-{i:06}")
    return w


async def test_waiting_customers_hear_their_position_and_estimate():
    w = await sync_to_async(setup_waiting)()
    sockets = []
    for i in range(2):
        ws = WebsocketCommunicator(application, "/ws/chat/waitco-key/")
        assert (await ws.connect())[0]
        await ws.send_json_to({"type": "hello", "token": f"waiting-visitor-{i:06}"})
        await receive_until(ws, "hello")
        sockets.append(ws)
    await sync_to_async(routing_tick)(w.tenant, timezone.now())  # nobody available: all wait
    positions = [await receive_until(ws, "queue.position") for ws in sockets]
    assert [p["position"] for p in positions] == [1, 2]
    assert positions[1]["estimated_wait_s"] > positions[0]["estimated_wait_s"] > 0
    for ws in sockets:
        await ws.disconnect()
