"""WebSocket endpoints: the customer's chat, the agent desktop and the supervisor live view."""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from contacta.errors import DomainError
from contacta.realtime import handlers
from contacta.realtime.db import db_async
from contacta.realtime.events import agent_group, supervisors_group, visitor_group
from contacta.tenants.access import Capability, TenantAccessDeniedError, tenant_for
from contacta.tenants.models import Tenant

log = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_BAD_INPUT = 4400
CLOSE_RATE_LIMITED = 4429


class JsonConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels ships no types
    """JSON frames in and out, with size and shape checks before any work is done."""

    groups: list[str]  # set per instance by channels; we add the groups we join

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_error("binary frames are not accepted")
            return
        if len(text_data.encode()) > settings.WEBSOCKET_MAX_FRAME_BYTES:
            await self.send_error("frame too large", field="frame")
            return
        try:
            data = json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than anyone means
            await self.send_error("frames must be JSON objects")
            return
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            await self.send_error("frames must be JSON objects with a string 'type'", field="type")
            return
        try:
            await self.on_frame(data)
        except DomainError as exc:
            await self.send_error(exc.message, field=exc.field, ref=data.get("client_id"))

    async def on_frame(self, data: dict[str, Any]) -> None:
        """Each endpoint handles its own frames; by default none is understood."""
        await self.send_error(f"unknown frame type {data['type']!r}", field="type")

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, ensure_ascii=False))

    async def send_error(self, message: str, field: str = "", ref: Any = None) -> None:
        payload: dict[str, Any] = {"type": "error", "message": message, "field": field}
        if ref is not None:
            payload["ref"] = ref
        await self.send_json(payload)

    async def contacta_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)


class VisitorConsumer(JsonConsumer):
    """The customer's chat: first frame `hello` with the visitor token, then messages."""

    tenant: Tenant | None = None
    conversation_id: int | None = None

    async def connect(self) -> None:
        self.inbox_key = self.scope["url_route"]["kwargs"]["inbox_key"]
        await self.accept()

    async def on_frame(self, data: dict[str, Any]) -> None:
        kind = data["type"]
        if kind == "hello":
            await self._hello(data)
            return
        if self.tenant is None or self.conversation_id is None:
            await self.send_error("say hello first", field="type")
            return
        if kind == "message":
            await handlers.visitor_message(self.tenant, self.conversation_id, data)
        elif kind == "typing":
            await handlers.visitor_typing(self.tenant, self.conversation_id,
                                          bool(data.get("is_typing")))
        elif kind == "ack":
            await handlers.visitor_ack(self.tenant, self.conversation_id, data)
        elif kind == "leave":
            await handlers.visitor_leave(self.tenant, self.conversation_id)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_error(f"unknown frame type {kind!r}", field="type")

    async def _hello(self, data: dict[str, Any]) -> None:
        token = data.get("token")
        after_id = data.get("after_id", 0)
        if not isinstance(token, str) or not 16 <= len(token) <= 128:
            await self.send_error("a visitor token is required", field="token")
            return
        if not handlers.is_id(after_id):
            await self.send_error("after_id must be a non-negative integer", field="after_id")
            return
        found = await handlers.visitor_locate(self.inbox_key, token)
        if found is None:
            await self.send_error("no conversation for this visitor", field="token")
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.tenant, self.conversation_id = found
        for group in list(self.groups):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups = []
        await self.join(visitor_group(self.tenant.pk, self.conversation_id))
        await self.send_json(await handlers.visitor_welcome(self.tenant, self.conversation_id,
                                                            after_id))


class StaffConsumer(JsonConsumer):
    """Base for signed-in staff sockets: /ws/<role>/<tenant_slug>/."""

    capability = Capability.VIEW
    tenant: Tenant

    async def connect(self) -> None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["tenant"]
        try:
            self.tenant = await db_async(tenant_for)(user, slug, self.capability)
        except TenantAccessDeniedError:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if not await self.subscribe(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()

    async def subscribe(self, user: Any) -> bool:
        """Join the endpoint's groups; False refuses the socket (the safe default)."""
        return False


class AgentConsumer(StaffConsumer):
    capability = Capability.HANDLE

    async def subscribe(self, user: Any) -> bool:
        agent_id = await handlers.agent_id_for(self.tenant, user)
        if agent_id is None:
            return False
        self.agent_id = agent_id
        await self.join(agent_group(self.tenant.pk, agent_id))
        await handlers.agent_seen(self.tenant, agent_id)
        return True

    async def on_frame(self, data: dict[str, Any]) -> None:
        kind = data["type"]
        if kind == "heartbeat":
            await handlers.agent_seen(self.tenant, self.agent_id)
            await self.send_json({"type": "heartbeat"})
        elif kind == "typing":
            await handlers.agent_typing(self.tenant, self.agent_id, data)
        elif kind == "read":
            await handlers.agent_read(self.tenant, self.agent_id, data)
        else:
            await self.send_error(f"unknown frame type {kind!r}", field="type")


class SupervisorConsumer(StaffConsumer):
    capability = Capability.MONITOR

    async def subscribe(self, user: Any) -> bool:
        await self.join(supervisors_group(self.tenant.pk))
        return True

    async def on_frame(self, data: dict[str, Any]) -> None:
        await self.send_error("the live view is read-only", field="type")
