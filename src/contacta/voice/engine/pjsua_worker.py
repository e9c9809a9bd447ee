"""One embedded call-engine worker: a PJSUA2 endpoint in its own process, driven by JSON lines.

Run as `python -m contacta.voice.engine.pjsua_worker --port 5070 --name w0`. Commands arrive
on stdin, one JSON object a line ({"op": ..., "req": n, ...}); replies and events leave on
stdout ({"event": ...}). The worker knows nothing of tenants, IVRs or queues: it answers,
plays, records, bridges, dials and hangs up when told, and reports what the SIP peers do.

Why a process of its own (docs/adr/0005-voice-engine.md): the PyPI wheel of PJSUA2 is built
with PJSUA_MAX_CALLS = 4 and its asserts abort the process; so each worker holds at most four
legs (two bridged conversations), and a crash takes down only those calls.

PJSUA2 threading rules (from ../shared/research/voice.md, reproduced here): one thread owns
the endpoint (threadCnt = 0, mainThreadOnly = True) and polls libHandleEvents; callbacks run
on that thread; a helper thread only reads stdin into a queue. Python references to every
Call, player and recorder are kept, or the garbage collector destroys them mid-call.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pjsua2 as pj

MAX_CALLS = 4  # compiled into the wheel
CODEC_PRIORITY = {"PCMA": 255, "PCMU": 254}  # everything else disabled
RTP_PORTS_PER_WORKER = 40  # RTP and RTCP of four legs, with room for re-negotiation
_protocol = sys.stdout


def _own_stdout() -> None:
    """PJSIP's C code prints to file descriptor 1: keep a private copy of it for the JSON
    lines and point 1 at stderr, so no log line can corrupt the protocol."""
    global _protocol  # noqa: PLW0603 - set once, at start
    _protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)


def emit(event: str, **fields: Any) -> None:
    _protocol.write(json.dumps({"event": event, **fields}) + "\n")
    _protocol.flush()


class Player(pj.AudioMediaPlayer):  # type: ignore[misc]
    def __init__(self, worker: Worker, call_id: str, playback_id: str, loop: bool) -> None:
        super().__init__()
        self.worker, self.call_id, self.playback_id = worker, call_id, playback_id
        self.loop = loop

    def onEof2(self) -> None:  # noqa: N802 - PJSUA2's name
        # A looping player (music on hold) reports every end of its file: it never finishes.
        # Never destroy a player inside its own callback: the main loop does it.
        if not self.loop:
            self.worker.finished_players.append(self)


class Call(pj.Call):  # type: ignore[misc]
    def __init__(self, worker: Worker, account: pj.Account, call_id: str,
                 pj_call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, pj_call_id)
        self.worker, self.call_id = worker, call_id
        self.media: pj.AudioMedia | None = None
        self.connected = False
        self.deadline: float | None = None  # ring timeout of an outbound call

    def onCallState(self, prm: Any) -> None:  # noqa: N802
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_EARLY:
            emit("call_state", call=self.call_id, state="ringing")
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.connected, self.deadline = True, None
            emit("call_state", call=self.call_id, state="answered")
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.worker.ended(self, info.lastStatusCode, info.lastReason)

    def onCallMediaState(self, prm: Any) -> None:  # noqa: N802
        info = self.getInfo()
        for index, media in enumerate(info.media):
            if (media.type == pj.PJMEDIA_TYPE_AUDIO
                    and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE):
                first = self.media is None
                self.media = self.getAudioMedia(index)
                if first:
                    self.worker.media_ready(self)

    def onDtmfDigit(self, prm: Any) -> None:  # noqa: N802
        emit("dtmf", call=self.call_id, digit=str(prm.digit))


class Account(pj.Account):  # type: ignore[misc]
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def onIncomingCall(self, prm: Any) -> None:  # noqa: N802
        self.worker.incoming(prm.callId)

    def onRegState(self, prm: Any) -> None:  # noqa: N802 - a softphone's registration
        emit("registration", code=int(prm.code), expires=int(prm.expiration))


@dataclass
class Recording:
    recorder: pj.AudioMediaRecorder
    path: str
    calls: list[str]
    paused: bool = False


@dataclass
class Worker:
    name: str
    account: Account | None = None
    calls: dict[str, Call] = field(default_factory=dict)
    players: dict[str, Player] = field(default_factory=dict)  # by call id
    finished_players: list[Player] = field(default_factory=list)
    recordings: dict[str, Recording] = field(default_factory=dict)
    bridges: dict[str, set[str]] = field(default_factory=dict)
    waiting_media: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dead: list[Call] = field(default_factory=list)
    sequence: int = 0

    def new_id(self) -> str:
        self.sequence += 1
        return f"{self.name}-{self.sequence}"

    # --- from the SIP side -----------------------------------------------------------------
    def incoming(self, pj_call_id: int) -> None:
        assert self.account is not None
        call = Call(self, self.account, self.new_id(), pj_call_id)
        info = call.getInfo()
        self.calls[call.call_id] = call
        if len(self.calls) > MAX_CALLS:
            self.hangup(call.call_id, 486)
            return
        emit("call_started", call=call.call_id, caller=info.remoteUri, called=info.localUri)

    def media_ready(self, call: Call) -> None:
        emit("media_ready", call=call.call_id)
        for recording in self.recordings.values():  # recorded before its audio was up
            if call.call_id in recording.calls:
                self._feed(Recording(recording.recorder, recording.path, [call.call_id]),
                           on=True, level=0.0 if recording.paused else 1.0)
        for command in self.waiting_media.pop(call.call_id, []):
            self.run(command)

    def ended(self, call: Call, code: int, reason: str) -> None:
        cid = call.call_id
        self._stop_player(cid)
        for bridge in self.bridges.values():
            bridge.discard(cid)
        self.waiting_media.pop(cid, None)
        if self.calls.pop(cid, None) is not None:
            self.dead.append(call)  # deleted from the main loop, not inside the callback
            emit("call_ended", call=cid, code=code, reason=reason)

    # --- commands --------------------------------------------------------------------------
    def run(self, command: dict[str, Any]) -> Any:
        op = command.get("op")
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            raise ValueError(f"unknown op {op!r}")
        needs_media = op in {"play", "send_dtmf", "record_start", "bridge"}
        call = self.calls.get(str(command.get("call", "")))
        if needs_media and call is not None and call.media is None:
            self.waiting_media.setdefault(call.call_id, []).append(command)
            return "queued"
        return handler(command)

    def _call(self, command: dict[str, Any]) -> Call:
        call = self.calls.get(str(command.get("call", "")))
        if call is None:
            raise KeyError(f"no call {command.get('call')!r}")
        return call

    def op_answer(self, command: dict[str, Any]) -> None:
        prm = pj.CallOpParam()
        prm.statusCode = int(command.get("code", 200))
        self._call(command).answer(prm)

    def op_hangup(self, command: dict[str, Any]) -> None:
        self.hangup(self._call(command).call_id, int(command.get("code", 603)))

    def hangup(self, call_id: str, code: int) -> None:
        call = self.calls.get(call_id)
        if call is None:
            return
        prm = pj.CallOpParam()
        prm.statusCode = code
        try:
            call.hangup(prm)
        except pj.Error:
            self.ended(call, code, "hangup")

    def op_originate(self, command: dict[str, Any]) -> str:
        assert self.account is not None
        if len(self.calls) >= MAX_CALLS:
            raise RuntimeError("worker full")
        call = Call(self, self.account, self.new_id())
        prm = pj.CallOpParam(True)
        if command.get("caller_id"):
            header = pj.SipHeader()
            header.hName, header.hValue = "P-Asserted-Identity", str(command["caller_id"])
            prm.txOption.headers.append(header)
        self.calls[call.call_id] = call
        call.deadline = time.monotonic() + float(command.get("timeout_s", 30))
        try:
            call.makeCall(str(command["endpoint"]), prm)
        except pj.Error as exc:
            self.calls.pop(call.call_id, None)
            raise RuntimeError(exc.info()) from exc
        return call.call_id

    def _stop_player(self, call_id: str) -> None:
        player = self.players.pop(call_id, None)
        call = self.calls.get(call_id)
        if player is not None and call is not None and call.media is not None:
            with contextlib.suppress(pj.Error):
                player.stopTransmit(call.media)
        if player is not None:
            self.dead.append(player)

    def op_play(self, command: dict[str, Any]) -> str:
        call = self._call(command)
        self._stop_player(call.call_id)  # one sound at a time a call, as ARI's default
        playback_id = str(command.get("playback") or self.new_id())
        loop = bool(command.get("loop"))
        player = Player(self, call.call_id, playback_id, loop)
        player.createPlayer(str(command["media"]), 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(call.media)
        self.players[call.call_id] = player
        return playback_id

    def op_stop_playback(self, command: dict[str, Any]) -> None:
        self._stop_player(self._call(command).call_id)

    def op_send_dtmf(self, command: dict[str, Any]) -> None:
        self._call(command).dialDtmf(str(command["digits"]))

    def _link(self, a: Call, b: Call, on: bool) -> None:
        if a.media is None or b.media is None:
            return
        for source, sink in ((a.media, b.media), (b.media, a.media)):
            with contextlib.suppress(pj.Error):
                (source.startTransmit if on else source.stopTransmit)(sink)

    def op_bridge(self, command: dict[str, Any]) -> str:
        """Join the given calls so each hears the others (a mixing bridge)."""
        bridge_id = str(command.get("bridge") or self.new_id())
        members = self.bridges.setdefault(bridge_id, set())
        for cid in command.get("calls", []):
            call = self.calls.get(str(cid))
            if call is None or call.media is None:
                raise KeyError(f"call {cid!r} has no audio")
            self._stop_player(call.call_id)
            for other in members:
                if other in self.calls:
                    self._link(call, self.calls[other], on=True)
            members.add(call.call_id)
        return bridge_id

    def op_unbridge(self, command: dict[str, Any]) -> None:
        """Take a call out of its bridge (hold, transfer): the others stop hearing it."""
        cid = self._call(command).call_id
        for members in self.bridges.values():
            if cid in members:
                members.discard(cid)
                for other in members:
                    if other in self.calls:
                        self._link(self.calls[cid], self.calls[other], on=False)

    def op_mute(self, command: dict[str, Any]) -> None:
        """The call's voice stops reaching the bridge (it still hears the others)."""
        call = self._call(command)
        on = not bool(command.get("mute", True))
        for members in self.bridges.values():
            if call.call_id in members:
                for other in members - {call.call_id}:
                    peer = self.calls.get(other)
                    if peer is not None and peer.media is not None and call.media is not None:
                        (call.media.startTransmit if on else call.media.stopTransmit)(peer.media)

    def op_record_start(self, command: dict[str, Any]) -> str:
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(str(command["path"]))
        recording_id = str(command.get("recording") or self.new_id())
        calls = [str(c) for c in command.get("calls", [command.get("call")]) if c]
        self.recordings[recording_id] = Recording(recorder, str(command["path"]), calls)
        for cid in calls:
            call = self.calls.get(cid)
            if call is not None and call.media is not None:
                call.media.startTransmit(recorder)
        return recording_id

    def _recording(self, command: dict[str, Any]) -> Recording:
        recording = self.recordings.get(str(command.get("recording", "")))
        if recording is None:
            raise KeyError(f"no recording {command.get('recording')!r}")
        return recording

    def _feed(self, recording: Recording, on: bool, *, level: float = 1.0) -> None:
        """Connect (at `level`) or disconnect the calls to the recorder. A PCI pause keeps
        them connected at level 0: the file goes on in silence, so the times written in the
        recording's metadata stay true (with no input the recorder would skip the gap)."""
        for cid in recording.calls:
            call = self.calls.get(cid)
            if call is not None and call.media is not None:
                with contextlib.suppress(pj.Error):
                    # A connection's level is set when it is made: remake it to change it.
                    call.media.stopTransmit(recording.recorder)
                    if not on:
                        continue
                    params = pj.AudioMediaTransmitParam()
                    params.level = level
                    call.media.startTransmit2(recording.recorder, params)

    def op_record_add(self, command: dict[str, Any]) -> None:
        recording = self._recording(command)
        cid = str(command["call"])
        if cid not in recording.calls:
            recording.calls.append(cid)
            self._feed(Recording(recording.recorder, recording.path, [cid]), on=True,
                       level=0.0 if recording.paused else 1.0)

    def op_record_pause(self, command: dict[str, Any]) -> None:
        """PCI: while paused nothing reaches the file (the recording keeps its length)."""
        recording = self._recording(command)
        if not recording.paused:
            recording.paused = True
            self._feed(recording, on=True, level=0.0)

    def op_record_resume(self, command: dict[str, Any]) -> None:
        recording = self._recording(command)
        if recording.paused:
            recording.paused = False
            self._feed(recording, on=True, level=1.0)

    def op_record_stop(self, command: dict[str, Any]) -> str:
        recording = self.recordings.pop(str(command.get("recording", "")), None)
        if recording is None:
            return ""
        self._feed(recording, on=False)
        self.dead.append(recording.recorder)  # destroyed (and the WAV closed) by the loop
        return recording.path

    def op_calls(self, command: dict[str, Any]) -> list[str]:
        return sorted(self.calls)

    # --- the loop --------------------------------------------------------------------------
    def housekeeping(self) -> None:
        now = time.monotonic()
        for call in list(self.calls.values()):
            if call.deadline is not None and now > call.deadline and not call.connected:
                call.deadline = None
                self.hangup(call.call_id, 408)  # nobody answered within the ring time
        for player in self.finished_players:
            if self.players.get(player.call_id) is player:
                self._stop_player(player.call_id)
                emit("playback_finished", call=player.call_id, playback=player.playback_id)
        self.finished_players.clear()
        if self.dead:
            self.dead.clear()
            gc.collect()


def read_stdin(commands: queue.Queue[dict[str, Any] | None]) -> None:
    for line in sys.stdin:
        try:
            value = json.loads(line)
        except ValueError:
            emit("error", reason="not JSON")
            continue
        if isinstance(value, dict):
            commands.put(value)
    commands.put(None)  # the supervisor went away: stop


def _endpoint(host: str, port: int) -> pj.Endpoint:
    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.uaConfig.maxCalls = MAX_CALLS
    config.logConfig.level = 1
    config.logConfig.consoleLevel = 1
    endpoint.libInit(config)
    transport = pj.TransportConfig()
    transport.port = port
    transport.boundAddress = host
    endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()  # no sound card: a null clock drives the mixer
    # G.711 only, as telephone networks and SIP trunks carry it: the wheel's default order
    # puts Speex first, which mangles tones (and DTMF-like audio) for the first seconds.
    for codec in endpoint.codecEnum2():
        priority = CODEC_PRIORITY.get(codec.codecId.split("/")[0].upper(), 0)
        endpoint.codecSetPriority(codec.codecId, priority)
    return endpoint


def serve(host: str, port: int, name: str, rtp_port: int,
          register: tuple[str, str, str] | None = None) -> None:
    """register: (registrar host:port, SIP user, password) to act as an agent's softphone."""
    endpoint = _endpoint(host, port)
    worker = Worker(name)
    account_config = pj.AccountConfig()
    account_config.idUri = f"sip:contacta@{host}:{port}"
    if register is not None:
        registrar, user, password = register
        account_config.idUri = f"sip:{user}@{registrar}"
        account_config.regConfig.registrarUri = f"sip:{registrar}"
        account_config.sipConfig.authCreds.append(
            pj.AuthCredInfo("digest", "*", user, 0, password))
    account_config.mediaConfig.transportConfig.boundAddress = host
    # RTP ports of our own: every PJSUA2 process starts at 4000 by default, and two processes
    # sharing a UDP port (SO_REUSEADDR) each get only some of its packets: one-way audio.
    account_config.mediaConfig.transportConfig.port = rtp_port
    account_config.mediaConfig.transportConfig.portRange = RTP_PORTS_PER_WORKER
    account = Account(worker)
    account.create(account_config)
    worker.account = account
    commands: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(target=read_stdin, args=(commands,), daemon=True).start()
    emit("ready", worker=name, port=port)
    running = True
    while running:
        endpoint.libHandleEvents(10)
        while True:
            try:
                command = commands.get_nowait()
            except queue.Empty:
                break
            if command is None:
                running = False
                break
            try:
                result = worker.run(command)
                emit("reply", req=command.get("req"), ok=True, result=result)
            except Exception as exc:  # a bad command is reported, never fatal
                emit("reply", req=command.get("req"), ok=False, error=str(exc)[:300])
        worker.housekeeping()
    endpoint.hangupAllCalls()
    for _ in range(20):
        endpoint.libHandleEvents(10)
    worker.calls.clear()
    worker.players.clear()
    worker.recordings.clear()
    worker.dead.clear()
    worker.account = None
    del account
    gc.collect()
    endpoint.libDestroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="w0")
    parser.add_argument("--rtp-port", type=int, default=0,
                        help="first RTP port (default: derived from the SIP port)")
    parser.add_argument("--register", nargs=3, metavar=("REGISTRAR", "USER", "PASSWORD"),
                        help="register as a softphone (tests and benchmarks)")
    options = parser.parse_args()
    _own_stdout()
    rtp_port = options.rtp_port or rtp_base_for(options.port)
    serve(options.host, options.port, options.name, rtp_port,
          tuple(options.register) if options.register else None)


def rtp_base_for(sip_port: int) -> int:
    """A distinct RTP range for each SIP port: 16384 + (port mod 1200) * 40, below 64384."""
    return 16384 + (sip_port % 1200) * RTP_PORTS_PER_WORKER


if __name__ == "__main__":
    main()
