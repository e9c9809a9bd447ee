"""Every messaging channel through the real server and the agent desktop in Chromium: a
customer writes through the channel's own protocol (a signed Telegram, Messenger or Twilio
webhook; an e-mail over SMTP to `contacta smtpd`), the agent accepts and answers in the
desktop, and the reply reaches that channel's peer addressed to the same customer, threaded.
SMS over SMPP goes through `contacta smpp` bound to an SMSC on loopback.
(WhatsApp has its own module.)"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import smtplib
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
import smpp34
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from contacta.connectors import email as email_connector
from contacta.connectors import messenger, sms, telegram
from contacta.connectors.sms.smpp import gsm
from contacta.connectors.sms.twilio_inbound import decode_form, signature
from contacta.connectors.telegram.adapter import SECRET_HEADER
from contacta.testing.live_server import free_port, live_server
from contacta.testing.mail import Sink
from contacta.testing.provider_server import ProviderServer
from tests.e2e.test_webchat_flow import login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
SECRET_KEY = "e2e-channels-secret-key"
META_SECRET = "e2e-meta-secret"
TWILIO_TOKEN = "e2e-twilio-token"
SEED = """
import django; django.setup()
import os
from tests.factories import make_world
from contacta.connectors.models import Inbox
from contacta.tenants.models import Tenant
w = make_world("che2e", agents=1, capacity=6)
w.agents[0].messaging_capacity = 6  # Telegram, Messenger, SMS and SMPP at once
w.agents[0].save()
Tenant.objects.update(language="en")
api = os.environ["PROVIDER_URL"]
for kind, key, env, account in (
        ("telegram", "tg-e2e", "CONTACTA_TGE2E", ""),
        ("messenger", "fb-e2e", "CONTACTA_FBE2E", ""),
        ("sms", "sms-e2e", "CONTACTA_SMSE2E", "+573009998877"),
        ("email", "mail-e2e", "CONTACTA_MAILE2E", "soporte@che2e.example"),
        ("smpp", "smpp-e2e", "CONTACTA_SMPPE2E", "890123")):
    Inbox.objects.create(tenant=w.tenant, name=kind, kind=kind, default_queue=w.queue,
                         public_key=key, credential_env=env, api_base_url=api,
                         provider_account_id=account)
"""


def provider_reply(path, body, count):
    """Each provider's documented success answer, told apart by path."""
    if "/bot" in path:
        return 200, {"ok": True, "result": {"message_id": 9000 + count}}
    if path.endswith("/Messages.json"):
        return 201, {"sid": f"SME2E{count}", "status": "queued"}
    return 200, {"recipient_id": "6843212345678901", "message_id": f"m_E2E{count}"}


class Smsc:
    """The operator's SMSC on loopback, in its own thread: it accepts every submit_sm and
    keeps it; the first bind is contacta's receiver, the one that gets deliver_sm."""

    def __init__(self) -> None:
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.binds: list[smpp34.Esme] = []
        self.submits: list[smpp34.SubmitSmEvent] = []
        self.server = smpp34.Server("127.0.0.1", self.port, system_id="smsc")
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._in_loop(self.server.start)
        self.watching = asyncio.run_coroutine_threadsafe(self._watch(), self.loop)

    def _in_loop(self, make_awaitable) -> None:
        """smpp34's awaitables are made and awaited on the SMSC's own loop."""
        async def run():
            await make_awaitable()
        asyncio.run_coroutine_threadsafe(run(), self.loop).result(5)

    async def _watch(self) -> None:
        while True:
            event = await self.server.next()
            if isinstance(event, smpp34.Esme):
                self.binds.append(event)
            elif isinstance(event, smpp34.SubmitSmEvent):
                self.submits.append(event)
                event.accept(f"mt-{len(self.submits)}")

    def deliver(self, text: str, sender: str) -> None:
        esme = wait_for(lambda: self.binds)[0]
        self._in_loop(lambda: esme.deliver_sm("890123", gsm.gsm_encode(text),
                                              source_addr=sender))

    def stop(self) -> None:
        self.watching.cancel()
        self._in_loop(self.server.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def peers():
    provider, sink, smsc = ProviderServer(provider_reply), Sink(), Smsc()
    relay = Controller(sink, hostname="127.0.0.1", port=free_port())
    relay.start()
    yield provider, sink, relay.port, smsc
    relay.stop()
    smsc.stop()
    provider.close()


@pytest.fixture(scope="module")
def server(peers, tmp_path_factory):
    provider, _, relay_port, smsc = peers
    smtp_port = free_port()
    env = {"PROVIDER_URL": provider.url, "CONTACTA_SECRET_KEY": SECRET_KEY,
           "CONTACTA_TGE2E": "123456:E2E-token", "CONTACTA_FBE2E_ACCESS_TOKEN": "fb-token",
           "CONTACTA_FBE2E_APP_SECRET": META_SECRET, "CONTACTA_SMSE2E_ACCOUNT_SID": "AC1",
           "CONTACTA_SMSE2E_AUTH_TOKEN": TWILIO_TOKEN,
           "CONTACTA_MAILE2E_SMTP_HOST": "127.0.0.1",
           "CONTACTA_MAILE2E_SMTP_PORT": str(relay_port),
           "CONTACTA_SMPPE2E_SMPP_HOST": "127.0.0.1", "CONTACTA_SMPPE2E_SMPP_PORT": str(smsc.port),
           "CONTACTA_SMPPE2E_SMPP_SYSTEM_ID": "contacta", "CONTACTA_SMPPE2E_SMPP_PASSWORD": "pw"}
    database = os.environ.get("DATABASE_URL", "")
    with live_server(tmp_path_factory.mktemp("channels-e2e"), SEED, extra_env=env,
                     postgres_url=database if database.startswith("postgres") else None,
                     redis_url=os.environ.get("REDIS_URL") or None,
                     extra_commands=(("smtpd", "--host", "127.0.0.1", "--port",
                                      str(smtp_port)), ("smpp",))) as live:
        yield live.url, smtp_port, smsc


@pytest.fixture(scope="module")
def agent(browser, server):
    page = login(browser, server[0], "che2e-agent1")
    page.wait_for_selector("#agent-state option", state="attached")
    page.select_option("#agent-state", "available:")
    return page


def fixture_bytes(package, name: str) -> bytes:
    return (Path(package.__file__).parent / "fixtures" / name).read_bytes()


def smpp_in(url: str, smtp_port: int, smsc: Smsc) -> None:
    smsc.deliver("¿Puedo pagar el lunes en un corresponsal?", "+573001234567")


def telegram_in(url: str, smtp_port: int, smsc: Smsc) -> None:
    key = hmac.new(SECRET_KEY.encode(), b"telegram:tg-e2e", hashlib.sha256).hexdigest()
    reply = httpx.post(f"{url}/hooks/telegram/tg-e2e/", headers={SECRET_HEADER: key},
                       content=fixture_bytes(telegram, "text_message.json"))
    assert reply.status_code == 200


def messenger_in(url: str, smtp_port: int, smsc: Smsc) -> None:
    body = fixture_bytes(messenger, "page_message.json")
    mac = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    reply = httpx.post(f"{url}/hooks/messenger/fb-e2e/", content=body,
                       headers={"X-Hub-Signature-256": mac, "Content-Type": "application/json"})
    assert reply.status_code == 200


def sms_in(url: str, smtp_port: int, smsc: Smsc) -> None:
    raw = fixture_bytes(sms, "incoming.form")
    hook = f"{url}/hooks/sms/sms-e2e/"
    reply = httpx.post(hook, content=raw, headers={
        "X-Twilio-Signature": signature(TWILIO_TOKEN, hook, decode_form(raw)),
        "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 200


def email_in(url: str, smtp_port: int, smsc: Smsc) -> None:
    raw = fixture_bytes(email_connector, "utf8_multipart.eml")
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        smtp.sendmail("maria.pena@example.org", ["soporte@che2e.example"], raw)


def wait_for(found, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the peer received nothing")


CASES = {
    "telegram": (telegram_in, "Hola, ¿cuál es el saldo de mi cuenta? Gracias, señor"),
    "messenger": (messenger_in, "¿Tienen planes de internet para Bucaramanga?"),
    "sms": (sms_in, "Hola, ¿puedo pagar mañana?"),
    "email": (email_in, "Buenos días, ¿cuándo llega mi tarjeta? Soy María Peña."),
    "smpp": (smpp_in, "¿Puedo pagar el lunes en un corresponsal?"),
}


@pytest.mark.parametrize("channel", list(CASES))
def test_customer_message_answered_from_the_desktop(agent, server, peers, channel):
    provider, sink, _, smsc = peers
    url, smtp_port, _ = server
    arrive, customer_text = CASES[channel]
    sent_before = (len(provider.requests), len(sink.messages))
    arrive(url, smtp_port, smsc)
    agent.locator(".offer button.accept").click(timeout=20_000)
    panel = agent.locator(".chat-panel", has_text=customer_text)
    expect(panel.locator(".msg.them .body").first).to_have_text(customer_text)
    answer = f"Respuesta por {channel}: con gusto le ayudamos, señora Peña."
    panel.locator("textarea.reply").fill(answer)
    panel.locator("textarea.reply").press("Enter")
    if channel == "email":
        raw = wait_for(lambda: sink.messages[sent_before[1]:])[0]
        mail = message_from_bytes(raw, policy=policy.default)
        assert mail["To"] == "maria.pena@example.org"
        assert mail["In-Reply-To"] == "<CAF1234.ñ@mail.example.org>"
        assert mail.get_body(("plain",)).get_content().strip() == answer
    elif channel == "smpp":
        submit = wait_for(lambda: smsc.submits)[0]
        assert submit.destination_addr == "+573001234567"
        assert gsm.decode(submit.data_coding, bytes(submit.short_message), False)[0] == answer
    else:
        path, body, _ = wait_for(lambda: provider.requests[sent_before[0]:])[0]
        expected = {"telegram": ("/bot123456:E2E-token/sendMessage", "chat_id", 5512345678),
                    "messenger": ("/v21.0/me/messages", "recipient", {"id": "6843212345678901"}),
                    "sms": ("/2010-04-01/Accounts/AC1/Messages.json", "To", "+573001234567")}
        want_path, field, recipient = expected[channel]
        assert path == want_path
        assert str(body[field]) == str(recipient)
        text = {"telegram": body.get("text"), "sms": body.get("Body"),
                "messenger": (body.get("message") or {}).get("text")}[channel]
        assert text == answer
    expect(panel.locator(".msg.me .mark")).to_have_text("✓", timeout=15_000)
