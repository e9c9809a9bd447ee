"""The embedded call engine: a supervised pool of PJSUA2 worker processes behind the port.

Each worker listens on its own SIP port (base_port + n) and holds at most four legs, so the
agent leg of a conversation is always dialled from the worker that holds the customer
(`originate(near=...)`): PJSUA2 mixes audio only inside one process. A worker that dies is
restarted, and every call it held is reported ended with engine_failure=True, so nothing is
left hanging in the desktop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

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
CALLS_PER_WORKER = 4
COMMAND_TIMEOUT_S = 10.0


@dataclass
class WorkerProcess:
    name: str
    port: int
    process: asyncio.subprocess.Process | None = None
    pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    calls: set[str] = field(default_factory=set)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    restarts: int = 0


class EmbeddedEngine:
    def __init__(self, *, workers: int = 2, host: str = "127.0.0.1",
                 base_port: int = 5070, ready_timeout_s: float = 15.0) -> None:
        self.ready_timeout_s = ready_timeout_s
        self.host = host
        self.workers = [WorkerProcess(f"w{n}", base_port + n) for n in range(workers)]
        self._events: asyncio.Queue[EngineEvent] = asyncio.Queue()
        self._owner: dict[str, WorkerProcess] = {}  # call, bridge or recording id -> worker
        self._sequence = 0
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def addresses(self) -> list[str]:
        """Where SIP trunks and test callers send calls: one address per worker."""
        return [f"{self.host}:{w.port}" for w in self.workers]

    async def start(self) -> None:
        for worker in self.workers:
            await self._spawn(worker)
            self._tasks.append(asyncio.create_task(self._supervise(worker)))
        try:
            await asyncio.gather(*(asyncio.wait_for(w.ready.wait(), self.ready_timeout_s)
                                   for w in self.workers))
        except TimeoutError:
            await self.stop()  # no half-started engine restarting workers in the background
            raise

    async def stop(self) -> None:
        self._stopping = True
        for worker in self.workers:
            if worker.process and worker.process.returncode is None:
                assert worker.process.stdin is not None
                worker.process.stdin.close()
        for worker in self.workers:
            if worker.process:
                try:
                    await asyncio.wait_for(worker.process.wait(), 5)
                except TimeoutError:
                    worker.process.kill()
        for task in self._tasks:
            task.cancel()

    async def events(self) -> AsyncIterator[EngineEvent]:
        while True:
            yield await self._events.get()

    # --- workers ---------------------------------------------------------------------------
    async def _spawn(self, worker: WorkerProcess) -> None:
        worker.ready.clear()
        worker.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "contacta.voice.engine.pjsua_worker", "--host", self.host,
            "--port", str(worker.port), "--name", f"{worker.name}r{worker.restarts}",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL)
        self._tasks.append(asyncio.create_task(self._read(worker, worker.process)))

    async def _supervise(self, worker: WorkerProcess) -> None:
        while not self._stopping:
            assert worker.process is not None
            code = await worker.process.wait()
            if self._stopping:
                return
            log.error("call-engine worker %s exited (%s); restarting", worker.name, code)
            self._lost(worker)
            worker.restarts += 1
            # Quick after one crash, slower when it keeps failing (a broken install).
            await asyncio.sleep(min(0.2 * 2 ** min(worker.restarts - 1, 6), 10.0))
            await self._spawn(worker)

    def _lost(self, worker: WorkerProcess) -> None:
        for future in worker.pending.values():
            if not future.done():
                future.set_exception(EngineError(f"worker {worker.name} stopped"))
        worker.pending.clear()
        for call in sorted(worker.calls):
            self._events.put_nowait(CallEnded(call, 500, "engine worker failed",
                                              engine_failure=True))
        for key in [k for k, owner in self._owner.items() if owner is worker]:
            del self._owner[key]
        worker.calls.clear()

    async def _read(self, worker: WorkerProcess, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            self._dispatch(worker, message)

    def _dispatch(self, worker: WorkerProcess, message: dict[str, Any]) -> None:
        kind = message.get("event")
        call = str(message.get("call", ""))
        if kind == "reply":
            future = worker.pending.pop(int(message.get("req") or 0), None)
            if future is not None and not future.done():
                if message.get("ok"):
                    future.set_result(message.get("result"))
                else:
                    future.set_exception(EngineError(str(message.get("error"))))
        elif kind == "ready":
            worker.ready.set()
        elif kind == "call_started":
            worker.calls.add(call)
            self._owner[call] = worker
            self._events.put_nowait(CallStarted(call, str(message.get("caller", "")),
                                                str(message.get("called", ""))))
        elif kind == "call_state":
            state = message.get("state")
            self._events.put_nowait(CallAnswered(call) if state == "answered"
                                    else CallRinging(call))
        elif kind == "media_ready":
            self._events.put_nowait(MediaReady(call))
        elif kind == "dtmf":
            self._events.put_nowait(DtmfReceived(call, str(message.get("digit", ""))))
        elif kind == "playback_finished":
            self._events.put_nowait(PlaybackFinished(call, str(message.get("playback", ""))))
        elif kind == "call_ended":
            worker.calls.discard(call)
            self._owner.pop(call, None)
            self._events.put_nowait(CallEnded(call, int(message.get("code") or 0),
                                              str(message.get("reason", ""))))

    async def _command(self, worker: WorkerProcess, op: str, **fields: Any) -> Any:
        process = worker.process
        if process is None or process.returncode is not None or process.stdin is None:
            raise EngineError(f"worker {worker.name} is not running")
        self._sequence += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        worker.pending[self._sequence] = future
        process.stdin.write((json.dumps({"op": op, "req": self._sequence, **fields}) + "\n")
                            .encode())
        try:
            await process.stdin.drain()
            return await asyncio.wait_for(future, COMMAND_TIMEOUT_S)
        except (ConnectionError, TimeoutError) as exc:
            raise EngineError(f"{op}: worker {worker.name} did not answer") from exc

    def _worker_of(self, key: str) -> WorkerProcess:
        worker = self._owner.get(key)
        if worker is None:
            raise EngineError(f"unknown call, bridge or recording {key!r}")
        return worker

    # --- the port --------------------------------------------------------------------------
    async def answer(self, call: str) -> None:
        await self._command(self._worker_of(call), "answer", call=call)

    async def hangup(self, call: str, code: int = 603) -> None:
        with contextlib.suppress(EngineError):  # already gone is fine
            await self._command(self._worker_of(call), "hangup", call=call, code=code)

    async def play(self, call: str, media: str, *, loop: bool = False) -> str:
        self._sequence += 1
        playback = f"pb{self._sequence}"
        await self._command(self._worker_of(call), "play", call=call, media=media, loop=loop,
                            playback=playback)
        return playback

    async def stop_playback(self, call: str) -> None:
        await self._command(self._worker_of(call), "stop_playback", call=call)

    async def send_dtmf(self, call: str, digits: str) -> None:
        await self._command(self._worker_of(call), "send_dtmf", call=call, digits=digits)

    async def originate(self, endpoint: str, *, caller_id: str = "", timeout_s: float = 30,
                        near: str | None = None) -> str:
        worker = (self._worker_of(near) if near is not None
                  else min(self.workers, key=lambda w: len(w.calls)))
        if len(worker.calls) >= CALLS_PER_WORKER:
            raise EngineError("no room for another leg in this worker")
        call = str(await self._command(worker, "originate", endpoint=endpoint,
                                       caller_id=caller_id, timeout_s=timeout_s))
        worker.calls.add(call)
        self._owner[call] = worker
        return call

    async def bridge(self, calls: list[str], bridge: str | None = None) -> str:
        worker = self._worker_of(calls[0])
        if any(self._owner.get(c) is not worker for c in calls):
            raise EngineError("a bridge holds calls of one worker only")
        bridge_id = str(await self._command(worker, "bridge", calls=calls, bridge=bridge))
        self._owner[bridge_id] = worker
        return bridge_id

    async def unbridge(self, call: str) -> None:
        await self._command(self._worker_of(call), "unbridge", call=call)

    async def mute(self, call: str, mute: bool) -> None:
        await self._command(self._worker_of(call), "mute", call=call, mute=mute)

    async def record_start(self, calls: list[str], path: str) -> str:
        worker = self._worker_of(calls[0])
        recording = str(await self._command(worker, "record_start", calls=calls, path=path))
        self._owner[recording] = worker
        return recording

    async def record_add(self, recording: str, call: str) -> None:
        await self._command(self._worker_of(recording), "record_add", recording=recording,
                            call=call)

    async def record_pause(self, recording: str) -> None:
        await self._command(self._worker_of(recording), "record_pause", recording=recording)

    async def record_resume(self, recording: str) -> None:
        await self._command(self._worker_of(recording), "record_resume", recording=recording)

    async def record_stop(self, recording: str) -> str:
        worker = self._worker_of(recording)
        path = str(await self._command(worker, "record_stop", recording=recording))
        self._owner.pop(recording, None)
        return path
