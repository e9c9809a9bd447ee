"""The production call engine: Asterisk through ARI (the Asterisk REST Interface), as a Stasis
application. REST calls per https://docs.asterisk.org/Latest_API/API_Documentation/
Asterisk_REST_Interface/ (Channels, Bridges, Playbacks, Recordings); events from the
/ari/events WebSocket (StasisStart, ChannelStateChange, ChannelDtmfReceived,
PlaybackFinished, ChannelDestroyed).

Asterisk plays and records files on its own disk: prompts are referred to by path without
extension ("sound:/var/lib/contacta/prompts/x"), so the prompts directory must be shared or
synced; finished recordings are downloaded (GET /recordings/stored/{name}/file) to the path
the controller asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import websockets

from contacta.voice.engine.port import (
    CallAnswered,
    CallEnded,
    CallRinging,
    CallStarted,
    DtmfReceived,
    EngineError,
    EngineEvent,
    MediaReady,
    PlaybackFinished,
)

log = logging.getLogger(__name__)
# Q.850 cause codes (ChannelDestroyed.cause) as the SIP statuses the controller reasons with.
Q850_TO_SIP = {16: 200, 17: 486, 18: 408, 19: 408, 21: 603, 1: 404, 3: 404, 34: 503, 38: 503}
HANGUP_REASON = {200: "normal", 486: "busy", 404: "normal", 487: "normal", 603: "normal"}


def sip_to_endpoint(uri: str, default_endpoint: str) -> str:
    """An Asterisk dial string for a SIP URI: PJSIP/<endpoint>/sip:user@host."""
    if "/" in uri and not uri.startswith("sip:"):
        return uri  # already an Asterisk endpoint (PJSIP/1001, Local/...)
    return f"PJSIP/{default_endpoint}/{uri}"


class AriEngine:
    def __init__(self, base_url: str, *, app: str, user: str, password: str,
                 sip_endpoint: str = "contacta", connect_timeout_s: float = 10.0) -> None:
        self.connect_timeout_s = connect_timeout_s
        self.base = base_url.rstrip("/")
        self.app, self.sip_endpoint = app, sip_endpoint
        self._auth = (user, password)
        self._client = httpx.AsyncClient(auth=self._auth, timeout=10.0)
        self._events: asyncio.Queue[EngineEvent] = asyncio.Queue()
        self._originated: set[str] = set()
        self._bridge_of: dict[str, str] = {}  # channel -> bridge
        self._moh: set[str] = set()  # channels hearing music on hold
        self._playing: dict[str, str] = {}  # channel -> playback id
        self._recordings: dict[str, str] = {}  # recording name -> where to download it
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read_events())
        try:
            await asyncio.wait_for(self._connected.wait(), self.connect_timeout_s)
        except TimeoutError:
            await self.stop()  # wrong address or credentials: no reconnect loop left behind
            raise

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._client.aclose()

    async def events(self) -> AsyncIterator[EngineEvent]:
        while True:
            yield await self._events.get()

    async def _read_events(self) -> None:
        """The events WebSocket, reconnected with backoff if Asterisk restarts."""
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        url = (f"{scheme}://{parts.netloc}{parts.path}/events?app={self.app}"
               f"&api_key={self._auth[0]}:{self._auth[1]}")
        backoff = 0.5
        while True:
            try:
                async with websockets.connect(url, max_size=2 ** 20) as socket:
                    self._connected.set()
                    backoff = 0.5
                    async for raw in socket:
                        try:
                            event = json.loads(raw)
                        except ValueError:
                            continue
                        if isinstance(event, dict):
                            self._on_event(event)
            except (OSError, websockets.WebSocketException) as exc:
                log.warning("ARI events connection lost: %s", type(exc).__name__)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        channel = event.get("channel") or {}
        channel_id = str(channel.get("id", ""))
        if kind == "StasisStart":
            if channel_id in self._originated:  # an originated channel enters when answered
                self._events.put_nowait(CallAnswered(channel_id))
                self._events.put_nowait(MediaReady(channel_id))
            else:
                caller = str((channel.get("caller") or {}).get("number", ""))
                called = str((channel.get("dialplan") or {}).get("exten", ""))
                self._events.put_nowait(CallStarted(channel_id, f"sip:{caller}@asterisk",
                                                    f"sip:{called}@asterisk"))
        elif kind == "ChannelStateChange" and channel.get("state") == "Ringing":
            self._events.put_nowait(CallRinging(channel_id))
        elif kind == "ChannelDtmfReceived":
            self._events.put_nowait(DtmfReceived(channel_id, str(event.get("digit", ""))))
        elif kind == "PlaybackFinished":
            playback = event.get("playback") or {}
            target = str(playback.get("target_uri", ""))
            owner = target.removeprefix("channel:")
            if self._playing.get(owner) == playback.get("id"):
                del self._playing[owner]
            self._events.put_nowait(PlaybackFinished(owner, str(playback.get("id", ""))))
        elif kind == "ChannelDestroyed":
            cause = int(event.get("cause") or 16)
            self._originated.discard(channel_id)
            self._bridge_of.pop(channel_id, None)
            self._moh.discard(channel_id)
            self._events.put_nowait(CallEnded(channel_id, Q850_TO_SIP.get(cause, 500),
                                              str(event.get("cause_txt", ""))))

    async def _rest(self, method: str, path: str, **params: Any) -> Any:
        try:
            response = await self._client.request(
                method, f"{self.base}{path}",
                params={k: v for k, v in params.items() if v is not None})
        except httpx.HTTPError as exc:
            raise EngineError(f"ARI {method} {path}: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise EngineError(f"ARI {method} {path}: {response.status_code} "
                              f"{response.text[:120]}")
        return response.json() if response.content else None

    # --- the port --------------------------------------------------------------------------
    async def answer(self, call: str) -> None:
        await self._rest("POST", f"/channels/{call}/answer")

    async def hangup(self, call: str, code: int = 603) -> None:
        with contextlib.suppress(EngineError):  # already gone is fine
            await self._rest("DELETE", f"/channels/{call}",
                             reason=HANGUP_REASON.get(code, "normal"))

    async def play(self, call: str, media: str, *, loop: bool = False) -> str:
        """Prompts are files: sound:<path without extension>; a loop is music on hold."""
        await self.stop_playback(call)
        if loop:
            await self._rest("POST", f"/channels/{call}/moh")
            self._moh.add(call)
            return f"moh:{call}"
        sound = str(Path(media).with_suffix(""))
        playback = await self._rest("POST", f"/channels/{call}/play", media=f"sound:{sound}")
        self._playing[call] = str(playback["id"])
        return str(playback["id"])

    async def stop_playback(self, call: str) -> None:
        if call in self._moh:
            self._moh.discard(call)
            with contextlib.suppress(EngineError):
                await self._rest("DELETE", f"/channels/{call}/moh")
        playback = self._playing.pop(call, None)
        if playback is not None:
            with contextlib.suppress(EngineError):
                await self._rest("DELETE", f"/playbacks/{playback}")

    async def send_dtmf(self, call: str, digits: str) -> None:
        await self._rest("POST", f"/channels/{call}/dtmf", dtmf=digits)

    async def originate(self, endpoint: str, *, caller_id: str = "", timeout_s: float = 30,
                        near: str | None = None) -> str:
        channel = await self._rest("POST", "/channels",
                                   endpoint=sip_to_endpoint(endpoint, self.sip_endpoint),
                                   app=self.app, callerId=caller_id or None,
                                   timeout=int(timeout_s))
        self._originated.add(str(channel["id"]))
        return str(channel["id"])

    async def bridge(self, calls: list[str], bridge: str | None = None) -> str:
        known = bridge or next((self._bridge_of[c] for c in calls if c in self._bridge_of), None)
        if known is None:
            created = await self._rest("POST", "/bridges", type="mixing")
            known = str(created["id"])
        for call in calls:
            await self.stop_playback(call)
        await self._rest("POST", f"/bridges/{known}/addChannel", channel=",".join(calls))
        for call in calls:
            self._bridge_of[call] = known
        return known

    async def unbridge(self, call: str) -> None:
        bridge = self._bridge_of.pop(call, None)
        if bridge is not None:
            await self._rest("POST", f"/bridges/{bridge}/removeChannel", channel=call)

    async def mute(self, call: str, mute: bool) -> None:
        await self._rest("POST" if mute else "DELETE", f"/channels/{call}/mute", direction="in")

    async def record_start(self, calls: list[str], path: str) -> str:
        """A bridged conversation is recorded on its bridge; a lone call (voicemail) on its
        channel."""
        name = Path(path).stem + "-" + calls[0].replace(".", "-")
        target = (f"/bridges/{self._bridge_of[calls[0]]}/record" if calls[0] in self._bridge_of
                  else f"/channels/{calls[0]}/record")
        await self._rest("POST", target, name=name, format="wav", ifExists="overwrite",
                         beep="false")
        self._recordings[name] = path
        return name

    async def record_add(self, recording: str, call: str) -> None:
        """Whoever joins the bridge is in its recording already."""

    async def record_pause(self, recording: str) -> None:
        await self._rest("POST", f"/recordings/live/{recording}/pause")

    async def record_resume(self, recording: str) -> None:
        await self._rest("DELETE", f"/recordings/live/{recording}/pause")

    async def record_stop(self, recording: str) -> str:
        path = self._recordings.pop(recording, "")
        with contextlib.suppress(EngineError):
            await self._rest("POST", f"/recordings/live/{recording}/stop")
        try:
            response = await self._client.get(f"{self.base}/recordings/stored/{recording}/file")
        except httpx.HTTPError as exc:
            raise EngineError("the recording could not be fetched") from exc
        if response.status_code == 200 and path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(response.content)
        return path
