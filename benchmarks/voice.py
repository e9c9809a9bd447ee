"""Voice under load: N simultaneous customer calls (sipp, RFC 2833 digit "1" through the IVR)
wait in the queue, are offered by the routing kernel, ring N agents' phones (PJSUA2 phone
processes, four agents each), are bridged and recorded, talk, and hang up. The server runs as
`contacta serve` + `contacta voice` (the embedded engine: N/2 worker processes).

Prints one JSON object: {"concurrent_calls", "completed", "failed", "cpu_per_call_pct",
"rss_mb_per_call", "dtmf_ok", "recordings_ok", ...}; cpu and rss are the engine workers'
(their CPU time over the talk, as a percentage of one core per call; resident memory)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import emit, running_server  # type: ignore[import-not-found]
from contacta.testing.audio import rms
from contacta.testing.phone import Phone, free_udp_port, tone
from contacta.testing.sipp import customer_scenario, media_ports, run_sipp

DID = "6015550100"
SEED = """
import django, sys; django.setup()
from tests.factories import make_world
from contacta.connectors.models import Inbox
from contacta.routing.services import agent_state_set
from contacta.voice.models import AgentPhone, VoiceInbox
calls, phones = int(sys.argv[1]), sys.argv[2].split(",")
w = make_world("vozbench", agents=calls, offer_timeout=20)
inbox = Inbox.objects.create(tenant=w.tenant, name="Línea", kind="voice", default_queue=w.queue,
                             public_key="vozbench", provider_account_id="DID_HERE")
VoiceInbox.objects.create(tenant=w.tenant, inbox=inbox, comfort_interval_seconds=60, ivr={
    "welcome": "Bienvenido.", "menu": {"prompt": "Marque uno.", "timeout_seconds": 8,
    "options": {"1": {"queue": None}}}})
for n, agent in enumerate(w.agents):
    AgentPhone.objects.create(tenant=w.tenant, agent=agent,
                              sip_uri=f"sip:agent{n}@127.0.0.1:{phones[n // 4]}")
    agent_state_set(w.tenant, agent, status="available")
""".replace("DID_HERE", DID)


def engine_processes() -> list[int]:
    """The engine's PJSUA2 workers (named w<n>r<restarts>), not the agents' phones."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"contacta.voice.engine.pjsua_worker" in command and b"--name" in command:
            name = command[command.index(b"--name") + 1]
            if name.startswith(b"w") and b"r" in name:
                found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--talk-seconds", type=float, default=15.0)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    calls = options.calls
    workers = (calls + 1) // 2  # two bridged calls (four legs) a PJSUA2 worker
    work = Path(tempfile.mkdtemp(prefix="contacta-voice-bench-"))
    agent_tone = tone(work / "agent.wav", 1000, seconds=120)
    phones = [Phone(f"agents{n}", answer_after=0.5, play=agent_tone)
              for n in range((calls + 3) // 4)]
    sip_port = free_udp_port()
    env = {"CONTACTA_VOICE_WORKERS": str(workers), "CONTACTA_VOICE_SIP_PORT": str(sip_port),
           "CONTACTA_ROUTING_TICK_SECONDS": "0.3"}
    try:
        with running_server(options.db, SEED, [str(calls), ",".join(str(p.port)
                                                                       for p in phones)],
                            extra_env=env) as server:
            os.environ.update({"DATABASE_URL": server.env["DATABASE_URL"],
                               "CONTACTA_DATA_DIR": server.env["CONTACTA_DATA_DIR"],
                               "DJANGO_SETTINGS_MODULE": "contacta.config.settings"})
            import django

            django.setup()
            from contacta.voice.models import Call

            log = (work / "voice.log").open("w")
            voice = subprocess.Popen([sys.executable, "-m", "contacta.cli", "voice"],
                                     env={**server.env, "CONTACTA_LOG_LEVEL": os.environ.get(
                                         "BENCH_VOICE_LOG_LEVEL", "WARNING")},
                                     stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 60
                while len(engine_processes()) < workers and time.monotonic() < deadline:
                    time.sleep(0.5)
                time.sleep(2)
                scenarios = [customer_scenario(
                    work / f"customer{n}.xml", caller=f"57300{n:07d}", digits="1",
                    then_wait_ms=int(options.talk_seconds * 1000) + 8000, hang_up=True)
                    for n in range(calls)]
                # sipp sends to one address: one instance a call, two calls a worker.
                pids = engine_processes()
                cpu_before, started = cpu_seconds(pids), time.monotonic()
                rtp = media_ports(calls)
                sipps = [run_sipp(scenarios[n], f"127.0.0.1:{sip_port + n % workers}",
                                  service=DID, local_port=free_udp_port(), calls=1,
                                  media_port=rtp[n])
                         for n in range(calls)]
                peak_connected, peak_rss = 0, 0.0
                while any(s.poll() is None for s in sipps):
                    connected = Call.objects.filter(status="connected").count()
                    if connected >= peak_connected:
                        peak_connected = connected
                        peak_rss = max(peak_rss, rss_mb(pids))
                    time.sleep(0.5)
                elapsed = time.monotonic() - started
                cpu_used = cpu_seconds(pids) - cpu_before
                deadline = time.monotonic() + 60  # the last calls are closed and stored
                while (Call.objects.exclude(status="ended").exists()
                       and time.monotonic() < deadline):
                    time.sleep(0.5)
                time.sleep(1)
                rows = list(Call.objects.select_related("recording"))
            finally:
                voice.terminate()
                voice.wait(timeout=20)
    finally:
        for phone in phones:
            phone.close()
    completed = [r for r in rows if r.outcome == "completed"]
    recordings_ok = sum(1 for r in completed if r.recording is not None
                        and rms(Path(r.recording.file.path)) > 0.01)
    emit({"concurrent_calls": peak_connected, "calls": calls, "completed": len(completed),
          "failed": calls - len(completed),
          "cpu_per_call_pct": round(100 * cpu_used / elapsed / max(1, calls), 2),
          "rss_mb_per_call": round(peak_rss / max(1, calls), 1),
          "dtmf_ok": sum(1 for r in rows if r.ivr_path == "1"),
          "recordings_ok": recordings_ok, "engine_workers": workers,
          "sipp_failures": sum(1 for s in sipps if s.returncode != 0),
          "outcomes": {o: sum(1 for r in rows if r.outcome == o)
                       for o in sorted({r.outcome for r in rows})},
          "causes": sorted({r.hangup_cause for r in rows if r.outcome != "completed"}),
          "db": options.db}, options.json)


if __name__ == "__main__":
    main()
