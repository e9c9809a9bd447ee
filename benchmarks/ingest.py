"""Signed WhatsApp webhooks in, replies out through the outbox, against a real server process.

    python benchmarks/ingest.py --json [--db sqlite]      (PostgreSQL by default)

A burst of signed deliveries (with 10 % resent, as Meta retries) goes to the webhook; an agent's
desktop socket measures delivery time to the screen; then the agent answers every conversation
and the outbox sends through a local server speaking the Graph API. Prints one JSON object:
`acknowledged` counts deliveries answered 200 and stored (it must equal `stored_messages`),
`redeliveries_acknowledged` the resends answered 200 as duplicates (stored nothing new).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import random
import sqlite3
import sys
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit, percentile, running_server
from contacta.testing.provider_server import ProviderServer

SECRET = "bench-app-secret"  # noqa: S105 - a throwaway test secret
SEED = """
import django, json, sys; django.setup()
from django.test import Client
from contacta.accounts.models import ApiToken, User
from contacta.connectors.models import Inbox
from contacta.routing.models import AgentProfile, Queue
from contacta.routing.services import agent_state_set
from contacta.tenants.models import Membership, Tenant
t = Tenant.objects.create(slug="bench", name="Bench")
q = Queue.objects.create(tenant=t, name="WhatsApp", auto_accept=True)
Inbox.objects.create(tenant=t, name="WhatsApp", kind="whatsapp", default_queue=q,
                     public_key="wa-bench", credential_env="CONTACTA_WA_BENCH",
                     api_base_url=sys.argv[1], provider_account_id="106540352242922")
u = User.objects.create(username="bench-agent")
Membership.objects.create(tenant=t, user=u, role="agent")
a = AgentProfile.objects.create(tenant=t, user=u, messaging_capacity=1000, chat_capacity=0)
agent_state_set(t, a, status="available")
c = Client(); c.force_login(u)
print(json.dumps({"cookie": c.cookies["sessionid"].value,
                  "token": ApiToken.issue(u, "bench", tenant=t)[1]}))
"""


def delivery(customer: int, number: int) -> tuple[str, bytes]:
    wamid = f"wamid.BENCH{customer:05d}x{number:03d}"
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "573001112233",
                         "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": f"Cliente {customer}"},
                          "wa_id": f"5730{customer:08d}"}],
            "messages": [{"from": f"5730{customer:08d}", "id": wamid, "timestamp": "1795766400",
                          "type": "text", "text": {"body": f"Mensaje {number} — señal"}}]}}]}]}
    return wamid, json.dumps(body).encode()


def graph_reply(_path: str, body: dict, count: int) -> tuple[int, dict]:
    return 200, {"messaging_product": "whatsapp", "contacts": [{"wa_id": body["to"]}],
                 "messages": [{"id": f"wamid.OUT{count}"}]}


def count(db_url: str, sql: str) -> int:
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute(sql).fetchone()[0])
    import psycopg

    with psycopg.connect(db_url) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def burst(base: str, cookie: str, customers: int, messages: int) -> dict[str, float]:
    received: dict[str, float] = {}
    sent: dict[str, float] = {}
    stop = asyncio.Event()

    http = httpx.AsyncClient(timeout=30, cookies={"sessionid": cookie})

    async def desktop() -> None:
        url = base.replace("http://", "ws://") + "/ws/agent/bench/"
        async with websockets.connect(url, additional_headers={"Cookie": f"sessionid={cookie}"}
                                      ) as ws:
            while not stop.is_set():
                try:
                    event = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
                except TimeoutError:
                    continue
                if event["type"] == "message.created" and event["message"]["direction"] == "in":
                    received.setdefault(event["message"]["client_id"], time.perf_counter())
                elif event["type"] == "conversation.assigned":
                    # The desktop opens the chat and loads what was written before it.
                    conv_id = event["conversation"]["id"]
                    history = (await http.get(
                        f"{base}/api/v1/tenants/bench/conversations/{conv_id}/messages")).json()
                    now = time.perf_counter()
                    for message in history:
                        if message["direction"] == "in":
                            received.setdefault(message["client_id"], now)

    watcher = asyncio.create_task(desktop())
    await asyncio.sleep(0.5)
    plan = [delivery(c, m) for m in range(messages) for c in range(customers)]
    resend = random.Random(3).sample(plan, len(plan) // 10)
    gate = asyncio.Semaphore(32)
    acked = redelivered = 0
    async with httpx.AsyncClient(timeout=30) as client:

        async def post(wamid: str, body: bytes) -> None:
            nonlocal acked, redelivered
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            async with gate:
                sent.setdefault(f"whatsapp:{wamid}", time.perf_counter())
                response = await client.post(f"{base}/hooks/whatsapp/wa-bench/", content=body,
                                             headers={"X-Hub-Signature-256": signature,
                                                      "Content-Type": "application/json"})
                # 200 "stored": a delivery taken; 200 "duplicate": Meta's resend of one we have.
                if response.status_code == 200 and response.json().get("detail") == "duplicate":
                    redelivered += 1
                elif response.status_code == 200:
                    acked += 1

        start = time.perf_counter()
        await asyncio.gather(*(post(w, b) for w, b in plan + resend))
        acked_in = time.perf_counter() - start
    deadline = time.monotonic() + 60
    while len(received) < len(plan) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    elapsed = max(received.values(), default=start) - start
    stop.set()
    await watcher
    await http.aclose()
    latencies = [(received[k] - sent[k]) * 1000 for k in sent if k in received]
    return {"webhooks": len(plan) + len(resend), "acknowledged": acked,
            "redeliveries_acknowledged": redelivered,
            "webhook_acks_per_s": round((len(plan) + len(resend)) / acked_in, 1),
            "unique_messages": len(plan), "on_agent_screen": len(latencies),
            "inbound_msgs_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
            "inbound_to_agent_p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
            "inbound_to_agent_p99_ms": round(percentile(latencies, 99), 1) if latencies else None}


async def replies(base: str, token: str, db_url: str, conversations: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        listing = (await client.get(f"{base}/api/v1/tenants/bench/conversations",
                                    params={"limit": 200})).json()
        ids = [c["id"] for c in listing][:conversations]
        start = time.perf_counter()
        await asyncio.gather(*(client.post(
            f"{base}/api/v1/tenants/bench/conversations/{i}/messages",
            json={"body": "Gracias por escribirnos, ya revisamos su caso."}) for i in ids))
    sql = "select count(*) from conversations_message where direction='out' and status='sent'"
    deadline = time.monotonic() + 60
    while count(db_url, sql) < len(ids) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    return {"replies": len(ids), "outbound_sent": count(db_url, sql),
            "outbound_msgs_per_s": round(len(ids) / elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--messages", type=int, default=5, help="messages per customer")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--redis", default="", metavar="URL",
                        help="multi-node shape: the connectors run in a separate contacta worker")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    graph = ProviderServer(graph_reply)
    env = {"CONTACTA_WA_BENCH_APP_SECRET": SECRET, "CONTACTA_WA_BENCH_ACCESS_TOKEN": "token"}
    try:
        with running_server(args.db, SEED, [graph.url], env,
                            redis_url=args.redis or None) as server:
            seeded = json.loads(server.seed_output.strip().splitlines()[-1])
            inbound = asyncio.run(burst(server.url, seeded["cookie"], args.customers,
                                        args.messages))
            db_url = server.env["DATABASE_URL"]
            stored = count(db_url, "select count(*) from conversations_message "
                                   "where direction='in'")
            outbound = asyncio.run(replies(server.url, seeded["token"], db_url,
                                           args.customers))
    finally:
        graph.close()
    report = {"db": args.db, "shape": "multi-node" if args.redis else "single node",
              **inbound, "stored_messages": stored,
              "duplicates": max(0, stored - inbound["unique_messages"]),
              "lost": max(0, inbound["unique_messages"] - stored), **outbound,
              "graph_requests": len(graph.requests)}
    emit(report, args.json)


if __name__ == "__main__":
    main()
