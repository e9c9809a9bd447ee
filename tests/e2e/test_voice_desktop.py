"""A phone call through the real server and `contacta voice` to the agent desktop in Chromium:
the customer (a PJSUA2 phone) calls the tenant's number, the desktop shows the incoming call,
the agent's phone answers, the agent holds and resumes from the desktop, the customer hangs up,
the recording plays in the conversation timeline, and the agent closes with a disposition."""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import expect

from contacta.testing.live_server import live_server
from contacta.testing.phone import Phone, free_udp_port, tone
from tests.e2e.test_webchat_flow import login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
DID = "6015550199"
SEED = """
import django, os; django.setup()
from tests.factories import make_world
from contacta.connectors.models import Inbox
from contacta.tenants.models import Tenant
from contacta.voice.models import AgentPhone, VoiceInbox
w = make_world("voze2e", agents=1, offer_timeout=20)
Tenant.objects.update(language="en")
inbox = Inbox.objects.create(tenant=w.tenant, name="Line", kind="voice", default_queue=w.queue,
                             public_key="voze2e-line", provider_account_id="DID_HERE")
VoiceInbox.objects.create(tenant=w.tenant, inbox=inbox, language="en", ivr={"welcome": "Hello."})
AgentPhone.objects.create(tenant=w.tenant, agent=w.agents[0], sip_uri=os.environ["AGENT_PHONE"])
""".replace("DID_HERE", DID)


@pytest.fixture(scope="module")
def voice_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("voice-e2e")
    agent_phone = Phone("agent1", answer_after=1.0, play=tone(work / "agent.wav", 1000))
    sip_port = free_udp_port()
    database = os.environ.get("DATABASE_URL", "")
    env = {"AGENT_PHONE": agent_phone.uri, "CONTACTA_VOICE_WORKERS": "1",
           "CONTACTA_VOICE_SIP_PORT": str(sip_port)}
    # Single node: the engine runs inside `contacta serve`; with Redis, as `contacta voice`.
    redis = os.environ.get("REDIS_URL") or None
    if redis is None:
        env["CONTACTA_VOICE"] = "1"
    try:
        with live_server(work, SEED, extra_env=env,
                         postgres_url=database if database.startswith("postgres") else None,
                         redis_url=redis,
                         extra_commands=(("voice",),) if redis else ()) as live:
            deadline = time.monotonic() + 30
            while "contacta voice: SIP on" not in live.log.read_text():
                assert time.monotonic() < deadline, live.log.read_text()
                time.sleep(0.2)
            yield live.url, sip_port, work
    finally:
        agent_phone.close()


def test_call_answered_held_recorded_and_closed(browser, voice_server):
    url, sip_port, work = voice_server
    agent = login(browser, url, "voze2e-agent1")
    agent.wait_for_selector("#agent-state option", state="attached")
    agent.select_option("#agent-state", "available:")
    customer = Phone("cliente", answer_after=None, play=tone(work / "customer.wav", 440))
    try:
        call = customer.dial(f"sip:{DID}@127.0.0.1:{sip_port}")
        expect(agent.locator(".offer.call strong")).to_have_text(
            "Incoming call — answer your phone", timeout=20_000)
        # The caller's contact card comes with the ring (matched by caller id).
        expect(agent.locator(".offer.call .caller-card")).to_contain_text(
            "earlier conversations")
        panel = agent.locator(".chat-panel")
        status = panel.locator(".call-controls .call-status")
        expect(status).to_have_text("📞 Talking", timeout=20_000)
        panel.locator(".call-controls button.hold").click()
        expect(status).to_have_text("📞 On hold", timeout=10_000)
        panel.locator(".call-controls button.hold").click()
        expect(status).to_have_text("📞 Talking", timeout=10_000)
        time.sleep(2)  # they talk
        customer.send("hangup", call=call)
    finally:
        customer.close()
    expect(status).to_have_text("📞 Call ended", timeout=15_000)
    player = panel.locator(".msg audio.player")
    expect(player).to_have_count(1, timeout=15_000)
    # The recording plays in the desktop: Chromium loads it and knows its length.
    duration = player.evaluate("""a => new Promise(done => {
        if (a.readyState >= 1) { done(a.duration); return; }
        a.addEventListener('loadedmetadata', () => done(a.duration));
        a.addEventListener('error', () => done(-1));
        a.load(); })""")
    assert duration > 2
    panel.locator("select.disposition").select_option("solved")
    panel.locator("button.close-conversation").click()
    expect(agent.locator(".chat-panel")).to_have_count(0, timeout=10_000)
