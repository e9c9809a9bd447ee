"""A WhatsApp customer writes (a signed webhook to the real server), the agent answers in the
desktop in Chromium, and the reply reaches the local Graph API server addressed to that
customer's WhatsApp number, then shows as sent."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from contacta.connectors import whatsapp
from contacta.testing.provider_server import ProviderServer
from tests.e2e.conftest import running_server
from tests.e2e.test_webchat_flow import login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
SECRET = "e2e-app-secret"
SEED = """
import django; django.setup()
import os
from tests.factories import make_world
from contacta.connectors.models import Inbox
from contacta.tenants.models import Tenant
w = make_world("wae2e", agents=1)
Tenant.objects.update(language="en")
Inbox.objects.create(tenant=w.tenant, name="WhatsApp", kind="whatsapp", default_queue=w.queue,
                     public_key="wa-e2e", credential_env="CONTACTA_WAE2E",
                     api_base_url=os.environ["GRAPH_URL"], provider_account_id="106540352242922")
"""


def graph_reply(path, body, count):
    return 200, {"messaging_product": "whatsapp", "contacts": [{"wa_id": body.get("to")}],
                 "messages": [{"id": f"wamid.E2E{count}"}]}


@pytest.fixture(scope="module")
def graph():
    server = ProviderServer(graph_reply)
    yield server
    server.close()


@pytest.fixture(scope="module")
def wa_server(graph, tmp_path_factory):
    env = {"GRAPH_URL": graph.url, "CONTACTA_WAE2E_APP_SECRET": SECRET,
           "CONTACTA_WAE2E_ACCESS_TOKEN": "token"}
    with running_server(tmp_path_factory.mktemp("wa-e2e"), SEED, env) as url:
        yield url


def test_whatsapp_message_answered_from_the_desktop(browser, wa_server, graph):
    agent = login(browser, wa_server, "wae2e-agent1")
    agent.wait_for_selector("#agent-state option", state="attached")
    agent.select_option("#agent-state", "available:")
    body = (Path(whatsapp.__file__).parent / "fixtures" / "text.json").read_bytes()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = httpx.post(f"{wa_server}/hooks/whatsapp/wa-e2e/", content=body,
                          headers={"X-Hub-Signature-256": signature,
                                   "Content-Type": "application/json"})
    assert response.status_code == 200
    agent.locator(".offer button.accept").click(timeout=15_000)
    panel = agent.locator(".chat-panel")
    expect(panel.locator(".msg.them .body")).to_have_text(
        ["Buenos días, necesito un paz y salvo de mi crédito"])
    panel.locator("textarea.reply").fill("Con gusto, Camila: se lo enviamos hoy.")
    panel.locator("textarea.reply").press("Enter")
    deadline = time.monotonic() + 15
    while not graph.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    path, sent, headers = graph.requests[-1]
    assert path == "/v21.0/106540352242922/messages"
    assert sent["to"] == "573001234567"
    assert sent["text"]["body"] == "Con gusto, Camila: se lo enviamos hoy."
    assert headers["Authorization"] == "Bearer token"
    expect(panel.locator(".msg.me .mark")).to_have_text("✓", timeout=10_000)
