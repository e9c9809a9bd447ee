"""`contacta voice`: the embedded call engine's workers and the call controller, until told
to stop. Settings from the environment: CONTACTA_VOICE_WORKERS (processes, 4 legs each),
CONTACTA_VOICE_SIP_HOST and CONTACTA_VOICE_SIP_PORT (the first worker's port; the others
follow), CONTACTA_VOICE_TRUNK (host:port of the outbound SIP trunk)."""

from __future__ import annotations

import asyncio
import os
import signal

from contacta.voice.control import VoiceControl, db
from contacta.voice.engine.embedded import EmbeddedEngine


def engine_from_env() -> EmbeddedEngine:
    return EmbeddedEngine(workers=int(os.environ.get("CONTACTA_VOICE_WORKERS", "2")),
                          host=os.environ.get("CONTACTA_VOICE_SIP_HOST", "127.0.0.1"),
                          base_port=int(os.environ.get("CONTACTA_VOICE_SIP_PORT", "5070")))


async def run_voice(engine: EmbeddedEngine, stop: asyncio.Event) -> None:
    from contacta.voice.prompts import music_on_hold

    await db(music_on_hold)  # made before the first caller waits for it
    await engine.start()
    print("contacta voice: SIP on " + ", ".join(engine.addresses) + " (Ctrl+C stops)",
          flush=True)
    try:
        await VoiceControl(engine).run(stop)
    finally:
        await engine.stop()


def main() -> None:
    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_voice(engine_from_env(), stop)

    asyncio.run(run())
