"""A scripted SIP phone for tests and benchmarks: a PJSUA2 process (the same worker program the
embedded engine runs) driven from a thread. It can ring and answer after a delay, play a WAV
(a tone, so the other side can be checked), record what it hears, dial, send RFC 2833 digits
and hang up. Agents' desk phones and customers' handsets are both played by it."""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tone(path: Path, frequency: int, seconds: float = 30.0) -> Path:
    """A sine tone WAV (8 kHz mono), what a phone plays so its audio can be found later."""
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth",
                    str(seconds), "sine", str(frequency), "vol", "0.5"], check=True,
                   capture_output=True)
    return path


class Phone:
    def __init__(self, name: str = "phone", *, answer_after: float | None = 0.5,
                 play: Path | None = None, record: Path | None = None,
                 register: tuple[str, str, str] | None = None) -> None:
        self.port = free_udp_port()
        self.uri = f"sip:{name}@127.0.0.1:{self.port}"
        self.answer_after, self.play_file, self.record_file = answer_after, play, record
        self.events: list[dict[str, Any]] = []
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._sequence = 0
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "contacta.voice.engine.pjsua_worker", "--port",
             str(self.port), "--name", name, *(("--register", *register) if register else ())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(15):
            raise RuntimeError("the phone did not start")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "ready":
                self._ready.set()
            elif event.get("event") == "reply":
                waiting = self._replies.get(int(event.get("req") or 0))
                if waiting is not None:
                    waiting.put(event)
            else:
                with self._lock:
                    self.events.append({**event, "at": time.monotonic()})
                if event.get("event") == "call_started" and self.answer_after is not None:
                    threading.Thread(target=self._pick_up, args=(event["call"],),
                                     daemon=True).start()
                if event.get("event") == "media_ready":
                    threading.Thread(target=self._media, args=(event["call"],),
                                     daemon=True).start()

    def _pick_up(self, call: str) -> None:
        self.send("answer", call=call, code=180)
        time.sleep(self.answer_after or 0)
        self.send("answer", call=call)

    def _media(self, call: str) -> None:
        if self.play_file:
            self.send("play", call=call, media=str(self.play_file), loop=True)
        if self.record_file:
            self.send("record_start", call=call, path=str(self.record_file), recording="heard")

    def send(self, op: str, **fields: Any) -> Any:
        assert self.process.stdin is not None
        with self._lock:  # one line at a time: threads must not interleave their writes
            self._sequence += 1
            req = self._sequence
            self._replies[req] = queue.Queue()
            self.process.stdin.write(json.dumps({"op": op, "req": req, **fields}) + "\n")
            self.process.stdin.flush()
        reply = self._replies[req].get(timeout=10)
        del self._replies[req]
        if not reply.get("ok"):
            raise RuntimeError(reply.get("error"))
        return reply.get("result")

    def wait(self, kind: str, timeout: float = 20.0, **match: Any) -> dict[str, Any]:
        """The first event of `kind` (matching the given fields) seen so far or soon."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for event in self.events:
                    if event.get("event") == kind and all(event.get(k) == v
                                                          for k, v in match.items()):
                        return event
            time.sleep(0.05)
        raise AssertionError(f"{kind} {match} not seen; events: {self.events}")

    def count(self, kind: str) -> int:
        with self._lock:
            return sum(1 for e in self.events if e.get("event") == kind)

    def dial(self, uri: str, timeout_s: float = 30) -> str:
        return str(self.send("originate", endpoint=uri, timeout_s=timeout_s))

    def stop_recording(self) -> None:
        if self.record_file:
            self.send("record_stop", recording="heard")

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
