"""`contacta voice`: the call engine and the call controller, until told to stop.

Settings from the environment (docs/voice.md):
- CONTACTA_VOICE_ENGINE: `embedded` (default: PJSUA2 workers) or `asterisk` (ARI);
- embedded: CONTACTA_VOICE_WORKERS (processes, 4 legs each), CONTACTA_VOICE_SIP_HOST and
  CONTACTA_VOICE_SIP_PORT (the first worker's port; the others follow);
- asterisk: CONTACTA_ARI_URL (http://pbx:8088/ari), CONTACTA_ARI_USER, CONTACTA_ARI_PASSWORD,
  CONTACTA_ARI_APP (the Stasis application, default `contacta`), CONTACTA_ARI_SIP_ENDPOINT;
- CONTACTA_VOICE_TRUNK: host:port of the outbound SIP trunk (embedded engine);
- CONTACTA_VOICE_EDGE_PORT: run Kamailio there as the one SIP address for trunks (optional).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
from pathlib import Path

from contacta.voice.control import VoiceControl, db
from contacta.voice.engine.ari import AriEngine
from contacta.voice.engine.embedded import EmbeddedEngine
from contacta.voice.engine.port import CallEngine

log = logging.getLogger(__name__)


def engine_from_env() -> CallEngine:
    env = os.environ.get
    if env("CONTACTA_VOICE_ENGINE", "embedded") == "asterisk":
        return AriEngine(env("CONTACTA_ARI_URL", "http://127.0.0.1:8088/ari"),
                         app=env("CONTACTA_ARI_APP", "contacta"),
                         user=env("CONTACTA_ARI_USER", "contacta"),
                         password=env("CONTACTA_ARI_PASSWORD", ""),
                         sip_endpoint=env("CONTACTA_ARI_SIP_ENDPOINT", "contacta"))
    return EmbeddedEngine(workers=int(env("CONTACTA_VOICE_WORKERS", "2")),
                          host=env("CONTACTA_VOICE_SIP_HOST", "127.0.0.1"),
                          base_port=int(env("CONTACTA_VOICE_SIP_PORT", "5070")))


async def start_registrar(host: str, port: int) -> asyncio.DatagramTransport:
    """Agents' softphones register their SIP accounts here (UDP)."""
    from contacta.voice import services
    from contacta.voice.registrar import Registrar

    async def lookup(user: str) -> str | None:
        return await db(services.registrar_lookup, user)

    async def bind(user: str, contact: str, expires: int) -> None:
        await db(services.registrar_bind, user, contact, expires)

    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: Registrar(lookup, bind), local_addr=(host, port))
    return transport


async def run_voice(engine: CallEngine, stop: asyncio.Event) -> None:
    from contacta.tenants.leases import installation_lease

    # One call controller per installation: agents' commands and callbacks are read from the
    # database, and a second controller would take (and drop) those of calls it does not hold.
    with installation_lease("voice-controller") as held:
        if not held:
            print("contacta voice: another voice controller already runs for this database; "
                  "one per installation — not starting", flush=True)
            return
        await _run_voice(engine, stop)


async def _run_voice(engine: CallEngine, stop: asyncio.Event) -> None:
    from contacta.voice.prompts import music_on_hold

    try:
        await db(music_on_hold)  # made before the first caller waits for it
        await engine.start()
    except (OSError, TimeoutError, subprocess.SubprocessError) as exc:
        # Inside `contacta serve` a broken phone line must not take the web down: say why.
        log.error("voice could not start: %s", exc)
        print(f"contacta voice: could not start ({exc}); no phone line", flush=True)
        return
    registrar = None
    if isinstance(engine, EmbeddedEngine):  # Asterisk registers phones itself
        port = int(os.environ.get("CONTACTA_VOICE_REGISTRAR_PORT", "5060"))
        try:
            registrar = await start_registrar(engine.host, port)
            print(f"contacta voice: registrar on {engine.host}:{port}", flush=True)
        except OSError as exc:
            print(f"contacta voice: no registrar ({exc.strerror}); fixed phone addresses only",
                  flush=True)
    where = (", ".join(engine.addresses) if isinstance(engine, EmbeddedEngine)
             else "Asterisk ARI")
    print(f"contacta voice: SIP on {where} (Ctrl+C stops)", flush=True)
    kamailio = None
    edge_port = os.environ.get("CONTACTA_VOICE_EDGE_PORT", "")
    if isinstance(engine, EmbeddedEngine) and edge_port:
        from django.conf import settings

        from contacta.voice import edge

        if edge.available():
            kamailio = edge.start(Path(settings.MEDIA_ROOT) / "voice" / "edge", engine.host,
                                  int(edge_port), engine.addresses)
            print(f"contacta voice: one SIP address for trunks: {engine.host}:{edge_port} "
                  "(Kamailio)", flush=True)
        else:
            print("contacta voice: CONTACTA_VOICE_EDGE_PORT set but kamailio is not installed",
                  flush=True)
    try:
        await VoiceControl(engine).run(stop)
    finally:
        if kamailio is not None:
            kamailio.terminate()
            kamailio.wait(timeout=10)
        if registrar is not None:
            registrar.close()
        await engine.stop()


def main() -> None:
    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_voice(engine_from_env(), stop)

    asyncio.run(run())
