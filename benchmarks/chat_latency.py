"""Customer message -> agent screen latency over real WebSockets against a real server process.

    python benchmarks/chat_latency.py --customers 50 --json [--db postgres]

Starts `contacta serve` on a fresh database (embedded SQLite, or a throwaway PostgreSQL database),
connects agents' desktops and N customers' chats, then measures the time from a customer's send
to the agent's socket receiving the message. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import time
import uuid
from pathlib import Path

import httpx
import websockets

from common import emit, percentile, running_server

ROOT = Path(__file__).resolve().parents[1]

SEED = """
import django, json, sys; django.setup()
from django.test import Client
from contacta.accounts.models import User
from contacta.connectors.models import Inbox
from contacta.routing.models import AgentProfile, AgentSkill, Queue, QueueSkill, Skill
from contacta.routing.services import agent_state_set
from contacta.tenants.models import Membership, Tenant
agents = int(sys.argv[1]); capacity = int(sys.argv[2])
t = Tenant.objects.create(slug="bench", name="Bench")
skill = Skill.objects.create(tenant=t, name="chat")
q = Queue.objects.create(tenant=t, name="Bench", auto_accept=True)
QueueSkill.objects.create(tenant=t, queue=q, skill=skill)
Inbox.objects.create(tenant=t, name="Bench", default_queue=q, public_key="bench-key", greeting="")
cookies = []
for i in range(agents):
    u = User.objects.create(username=f"bench{i}")
    Membership.objects.create(tenant=t, user=u, role="agent")
    a = AgentProfile.objects.create(tenant=t, user=u, chat_capacity=capacity)
    AgentSkill.objects.create(tenant=t, agent=a, skill=skill)
    agent_state_set(t, a, status="available")
    c = Client(); c.force_login(u); cookies.append(c.cookies["sessionid"].value)
print(json.dumps(cookies))
"""






async def agent_desktop(base_ws: str, cookie: str, received: dict[str, float],
                        ready: asyncio.Event, stop: asyncio.Event) -> None:
    async with websockets.connect(f"{base_ws}/ws/agent/bench/",
                                  additional_headers={"Cookie": f"sessionid={cookie}"}) as ws:
        ready.set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            event = json.loads(raw)
            if event["type"] == "message.created" and event["message"]["direction"] == "in":
                received.setdefault(event["message"]["client_id"], time.perf_counter())


async def customer(base: str, base_ws: str, index: int, messages: int, *,
                   sent: dict[str, float], assigned: asyncio.Event, go: asyncio.Event,
                   client: httpx.AsyncClient) -> None:
    r = await client.post(f"{base}/api/v1/webchat/bench-key/conversations",
                          json={"name": f"Cliente {index}"})
    r.raise_for_status()
    token = r.json()["visitor_token"]
    async with websockets.connect(f"{base_ws}/ws/chat/bench-key/") as ws:
        await ws.send(json.dumps({"type": "hello", "token": token, "after_id": 0}))
        while True:
            event = json.loads(await ws.recv())
            if event["type"] == "hello" and event["conversation"]["status"] == "assigned":
                break
            if event["type"] == "conversation.assigned":
                break
        assigned.set()
        await go.wait()
        for n in range(messages):
            await asyncio.sleep(random.uniform(0.05, 0.4))
            client_id = f"c{index}-{n}-{uuid.uuid4().hex[:6]}"
            sent[client_id] = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "client_id": client_id,
                                      "body": f"Mensaje {n} del cliente {index} — ñ"}))
        await asyncio.sleep(1.0)


async def run_load(base: str, cookies: list[str], customers: int, messages: int) -> dict[str, object]:
    base_ws = base.replace("http://", "ws://")
    received: dict[str, float] = {}
    sent: dict[str, float] = {}
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in cookies]
    desktops = [asyncio.create_task(agent_desktop(base_ws, c, received, r, stop))
                for c, r in zip(cookies, readies, strict=True)]
    await asyncio.gather(*(r.wait() for r in readies))
    go = asyncio.Event()
    assigned = [asyncio.Event() for _ in range(customers)]
    async with httpx.AsyncClient(timeout=30) as client:
        chats = [asyncio.create_task(customer(base, base_ws, i, messages, sent=sent,
                                              assigned=assigned[i], go=go, client=client))
                 for i in range(customers)]
        await asyncio.wait_for(asyncio.gather(*(a.wait() for a in assigned)), timeout=120)
        go.set()
        await asyncio.gather(*chats)
    deadline = time.monotonic() + 10
    while len(received) < len(sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*desktops)
    latencies = [(received[k] - sent[k]) * 1000 for k in sent if k in received]
    return {"messages": len(latencies), "lost": len(sent) - len(latencies),
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "max_ms": round(max(latencies), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=5, help="messages per customer")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    agents = max(1, math.ceil(args.customers / 10))
    with running_server(args.db, SEED, [str(agents), "10"]) as server:
        cookies = json.loads(server.seed_output.strip().splitlines()[-1])
        result = asyncio.run(run_load(server.url, cookies, args.customers, args.messages))
    report = {"customers": args.customers, "db": args.db, "agents": agents, **result,
              "server_log": str(server.log)}
    emit(report, args.json)


if __name__ == "__main__":
    main()
