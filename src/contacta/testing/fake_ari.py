"""A fake Asterisk for the ARI adapter's tests: the REST resources and the /ari/events
WebSocket as Asterisk's ARI documentation describes them (Channels, Bridges, Playbacks,
Recordings; StasisStart, ChannelStateChange, ChannelDtmfReceived, PlaybackStarted,
PlaybackFinished, ChannelDestroyed, StasisEnd), served by uvicorn in a thread.

The test plays the far ends: `incoming()` is a call arriving from a trunk, `press()` a digit
the caller sends, `far_end_hangup()` the caller hanging up; originated channels are answered
after `answer_after` seconds, or are busy or unanswered as `originate_result` says.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import uvicorn

from contacta.testing.phone import free_udp_port

WAV_HEADER = (b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00"
              b"\x00\x02\x00\x10\x00data\x00\x00\x00\x00")


class FakeAri:
    def __init__(self, *, user: str = "contacta",
                 password: str = "secret",  # noqa: S107 - the fake's test credential
                 app: str = "contacta") -> None:
        self.user, self.password, self.app = user, password, app
        self.port = free_udp_port()
        self.base_url = f"http://127.0.0.1:{self.port}/ari"
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.channels: dict[str, dict[str, Any]] = {}
        self.bridges: dict[str, list[str]] = {}
        self.stored: dict[str, bytes] = {}
        self.answer_after = 0.3
        self.originate_result = "answer"  # answer, busy or no_answer
        self._ids = itertools.count(1)
        self._sockets: list[asyncio.Queue[dict[str, Any]]] = []
        self._playbacks: dict[str, str] = {}
        self._timers: set[asyncio.Future[None]] = set()  # far-end behaviour in flight
        self.loop = asyncio.new_event_loop()
        self._server = uvicorn.Server(uvicorn.Config(self._asgi, host="127.0.0.1",
                                                     port=self.port, log_level="warning",
                                                     lifespan="off", interface="asgi3"))
        self._thread = threading.Thread(target=self.loop.run_until_complete,
                                        args=(self._server.serve(),), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    # --- the far ends (called from the test's thread or loop) ------------------------------
    def incoming(self, caller: str, exten: str) -> str:
        channel_id = f"1795{next(self._ids):06d}.1"
        self.channels[channel_id] = {"state": "Ring", "caller": caller, "exten": exten}
        self._soon(self._emit("StasisStart", args=[], channel=self._channel(channel_id)))
        return channel_id

    def press(self, channel_id: str, digit: str) -> None:
        self._soon(self._emit("ChannelDtmfReceived", digit=digit, duration_ms=120,
                              channel=self._channel(channel_id)))

    def far_end_hangup(self, channel_id: str) -> None:
        self._soon(self._destroy(channel_id, 16, "Normal Clearing"))

    def calls(self, method: str, prefix: str) -> list[tuple[str, str, dict[str, str]]]:
        return [r for r in self.requests if r[0] == method and r[1].startswith(prefix)]

    def _soon(self, coroutine: Any) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(5)

    # --- events ----------------------------------------------------------------------------
    def _channel(self, channel_id: str) -> dict[str, Any]:
        data = self.channels.get(channel_id, {})
        return {"id": channel_id, "name": f"PJSIP/trunk-{channel_id[-8:]}",
                "state": data.get("state", "Down"), "protocol_id": "",
                "caller": {"name": "", "number": data.get("caller", "")},
                "connected": {"name": "", "number": ""}, "accountcode": "",
                "dialplan": {"context": "from-trunk", "exten": data.get("exten", "s"),
                             "priority": 1, "app_name": "Stasis", "app_data": self.app},
                "creationtime": datetime.now(UTC).isoformat(), "language": "es"}

    async def _emit(self, kind: str, **fields: Any) -> None:
        event = {"type": kind, "application": self.app, "asterisk_id": "00:00:00:00:00:01",
                 "timestamp": datetime.now(UTC).isoformat(), **fields}
        for queue in self._sockets:
            queue.put_nowait(event)

    async def _destroy(self, channel_id: str, cause: int, text: str) -> None:
        if channel_id not in self.channels:
            return
        snapshot = self._channel(channel_id)
        del self.channels[channel_id]
        for members in self.bridges.values():
            if channel_id in members:
                members.remove(channel_id)
        await self._emit("StasisEnd", channel=snapshot)
        await self._emit("ChannelDestroyed", cause=cause, cause_txt=text, channel=snapshot)

    async def _ring_then(self, channel_id: str, timeout: int) -> None:
        self.channels[channel_id]["state"] = "Ringing"
        await self._emit("ChannelStateChange", channel=self._channel(channel_id))
        if self.originate_result == "busy":
            await asyncio.sleep(0.1)
            await self._destroy(channel_id, 17, "User busy")
        elif self.originate_result == "no_answer":
            await asyncio.sleep(timeout)
            await self._destroy(channel_id, 19, "No answer")
        else:
            await asyncio.sleep(self.answer_after)
            if channel_id in self.channels:
                self.channels[channel_id]["state"] = "Up"
                await self._emit("ChannelStateChange", channel=self._channel(channel_id))
                await self._emit("StasisStart", args=[], channel=self._channel(channel_id))

    async def _finish_playback(self, playback: dict[str, Any]) -> None:
        await asyncio.sleep(0.3)
        if self._playbacks.pop(playback["id"], None) is not None:
            await self._emit("PlaybackFinished", playback={**playback, "state": "done"})

    def _later(self, coroutine: Any) -> None:
        future = asyncio.ensure_future(coroutine)
        self._timers.add(future)
        future.add_done_callback(self._timers.discard)

    # --- ASGI ------------------------------------------------------------------------------
    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await self._events_socket(scope, receive, send)
        elif scope["type"] == "http":
            status, body = await self._http(scope)
            data = body if isinstance(body, bytes) else json.dumps(body).encode() \
                if body is not None else b""
            kind = b"audio/wav" if isinstance(body, bytes) else b"application/json"
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", kind),
                                    (b"content-length", str(len(data)).encode())]})
            await send({"type": "http.response.body", "body": data})

    async def _events_socket(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = parse_qs(scope.get("query_string", b"").decode())
        await receive()  # websocket.connect
        if query.get("app") != [self.app] or query.get("api_key") != [
                f"{self.user}:{self.password}"]:
            await send({"type": "websocket.close", "code": 4001})
            return
        await send({"type": "websocket.accept"})
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._sockets.append(queue)
        try:
            while True:
                event = await queue.get()
                await send({"type": "websocket.send", "text": json.dumps(event)})
        finally:
            self._sockets.remove(queue)

    def _authorised(self, scope: dict[str, Any]) -> bool:
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode()
        expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return header == f"Basic {expected}"

    async def _http(self, scope: dict[str, Any]) -> tuple[int, Any]:  # noqa: PLR0911, PLR0912 - one resource a branch
        method, path = scope["method"], scope["path"].removeprefix("/ari")
        params = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        self.requests.append((method, path, params))
        if not self._authorised(scope):
            return 401, {"message": "Authentication required"}
        parts = path.strip("/").split("/")
        action = parts[2] if len(parts) > 2 else ""
        if parts[0] == "channels" and len(parts) == 1 and method == "POST":
            channel_id = f"1795{next(self._ids):06d}.2"
            self.channels[channel_id] = {"state": "Down", "caller": params.get("callerId", ""),
                                         "exten": params.get("endpoint", "")}
            self._later(self._ring_then(channel_id, int(params.get("timeout", 30))))
            return 200, self._channel(channel_id)
        if parts[0] == "channels" and (len(parts) < 2 or parts[1] not in self.channels):
            return 404, {"message": "Channel not found"}
        if parts[0] == "channels" and len(parts) == 2 and method == "DELETE":
            await self._destroy(parts[1], 16, "Normal Clearing")
            return 204, None
        if parts[0] == "channels" and action == "answer":
            self.channels[parts[1]]["state"] = "Up"
            await self._emit("ChannelStateChange", channel=self._channel(parts[1]))
            return 204, None
        if parts[0] == "channels" and action == "play":
            playback = {"id": f"pb-{next(self._ids)}", "media_uri": params.get("media", ""),
                        "target_uri": f"channel:{parts[1]}", "language": "es",
                        "state": "playing"}
            self._playbacks[playback["id"]] = parts[1]
            await self._emit("PlaybackStarted", playback=playback)
            self._later(self._finish_playback(playback))
            return 201, playback
        if parts[0] == "channels" and action in {"moh", "mute", "dtmf"}:
            return 204, None
        if parts[0] == "channels" and action == "record":
            return 201, {"name": params.get("name"), "format": params.get("format"),
                         "state": "recording", "target_uri": f"channel:{parts[1]}"}
        if parts[0] == "playbacks" and method == "DELETE":
            owner = self._playbacks.pop(parts[1], None)
            if owner is None:
                return 404, {"message": "Playback not found"}
            await self._emit("PlaybackFinished", playback={
                "id": parts[1], "target_uri": f"channel:{owner}", "state": "done"})
            return 204, None
        if parts[0] == "bridges" and len(parts) == 1 and method == "POST":
            bridge_id = f"bridge-{next(self._ids)}"
            self.bridges[bridge_id] = []
            return 200, {"id": bridge_id, "technology": "simple_bridge",
                         "bridge_type": params.get("type", "mixing"), "channels": []}
        if parts[0] == "bridges" and (len(parts) < 2 or parts[1] not in self.bridges):
            return 404, {"message": "Bridge not found"}
        if parts[0] == "bridges" and action == "addChannel":
            wanted = params.get("channel", "").split(",")
            if any(c not in self.channels for c in wanted):
                return 422, {"message": "Channel not found"}
            self.bridges[parts[1]].extend(c for c in wanted if c not in self.bridges[parts[1]])
            return 204, None
        if parts[0] == "bridges" and action == "removeChannel":
            members = self.bridges[parts[1]]
            if params.get("channel") in members:
                members.remove(params["channel"])
            return 204, None
        if parts[0] == "bridges" and action == "record":
            return 201, {"name": params.get("name"), "format": params.get("format"),
                         "state": "recording", "target_uri": f"bridge:{parts[1]}"}
        if parts[:2] == ["recordings", "live"] and parts[3:] == ["stop"]:
            self.stored[parts[2]] = WAV_HEADER + b"\x01\x00" * 8000
            return 204, None
        if parts[:2] == ["recordings", "live"] and parts[3:] == ["pause"]:
            return 204, None
        if parts[:2] == ["recordings", "stored"] and parts[3:] == ["file"]:
            stored = self.stored.get(parts[2])
            return (200, stored) if stored is not None else (404, {"message": "not found"})
        return 404, {"message": "Resource not found"}
