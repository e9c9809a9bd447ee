"""The call-engine port: what call control needs from a telephony engine, in Asterisk ARI's
terms (channels, bridges, playbacks, recordings, DTMF and state events, originate), so that an
Asterisk adapter maps onto it almost one to one and the embedded PJSUA2 engine implements it
for single-node installs and the tests.

Call ids are the engine's own strings; a bridge is a set of calls that hear each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CallStarted:
    """A call reached us (ARI StasisStart): caller and called are SIP URIs or numbers."""

    call: str
    caller: str
    called: str


@dataclass(frozen=True)
class CallRinging:
    call: str


@dataclass(frozen=True)
class CallAnswered:
    """An outbound call was answered (ARI ChannelStateChange to Up)."""

    call: str


@dataclass(frozen=True)
class MediaReady:
    """Audio flows on the call: prompts can play and digits can be sent."""

    call: str


@dataclass(frozen=True)
class DtmfReceived:
    """ARI ChannelDtmfReceived."""

    call: str
    digit: str


@dataclass(frozen=True)
class PlaybackFinished:
    call: str
    playback: str


@dataclass(frozen=True)
class CallEnded:
    """ARI StasisEnd / ChannelDestroyed. code is the SIP status that ended it (486 busy,
    408 no answer within the ring time, 487 cancelled, 200/603 hung up); engine_failure
    says the engine itself lost the call."""

    call: str
    code: int
    reason: str
    engine_failure: bool = False


EngineEvent = (CallStarted | CallRinging | CallAnswered | MediaReady | DtmfReceived
               | PlaybackFinished | CallEnded)


class EngineError(RuntimeError):
    """The engine refused or failed a command."""


class CallEngine(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def events(self) -> AsyncIterator[EngineEvent]: ...
    async def answer(self, call: str) -> None: ...
    async def hangup(self, call: str, code: int = 603) -> None: ...
    async def play(self, call: str, media: str, *, loop: bool = False) -> str: ...
    async def stop_playback(self, call: str) -> None: ...
    async def send_dtmf(self, call: str, digits: str) -> None: ...
    async def originate(self, endpoint: str, *, caller_id: str = "", timeout_s: float = 30,
                        near: str | None = None) -> str: ...
    async def bridge(self, calls: list[str], bridge: str | None = None) -> str: ...
    async def unbridge(self, call: str) -> None: ...
    async def mute(self, call: str, mute: bool) -> None: ...
    async def record_start(self, calls: list[str], path: str) -> str: ...
    async def record_add(self, recording: str, call: str) -> None: ...
    async def record_pause(self, recording: str) -> None: ...
    async def record_resume(self, recording: str) -> None: ...
    async def record_stop(self, recording: str) -> str: ...
