"""A customer's browser and two agents' browsers complete a whole chat, in real Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082")


def login(browser, base: str, username: str) -> Page:
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/(agent|supervisor)/.*"))
    return page


def set_state(page: Page, value: str) -> None:
    page.wait_for_selector("#agent-state option", state="attached")
    page.select_option("#agent-state", value)
    expect(page.locator("body")).to_have_attribute("data-agent-status", value.split(":", maxsplit=1)[0])


def test_customer_to_agent_with_rona_reload_reconnect_transfer_and_disposition(
        browser, live_server_url, tmp_path: Path):
    base = live_server_url
    agent1 = login(browser, base, "e2e-agent1")
    agent2 = login(browser, base, "e2e-agent2")
    expect(agent1.locator("#conn")).to_have_text("Connected")
    expect(agent2.locator("#conn")).to_have_text("Connected")
    set_state(agent1, "available:")

    customer = browser.new_context(locale="es-CO").new_page()
    customer.goto(f"{base}/chat/e2e-key/")
    customer.fill("#prechat input[name=name]", "Camila Ñáñez")
    customer.fill("#prechat input[name=contact]", "camila@example.org")
    customer.click("#start-chat")
    customer.fill("#body", "Hola, necesito ayuda con mi factura")
    customer.press("#body", "Enter")

    # Agent 1 is offered the chat, lets it ring out: RONA, and agent 1 is set not-ready.
    offer = agent1.locator(".offer")
    expect(offer).to_be_visible(timeout=10_000)
    expect(offer).to_be_hidden(timeout=12_000)
    expect(agent1.locator("body")).to_have_attribute("data-agent-status", "aux")
    set_state(agent2, "available:")
    agent2.locator(".offer button.accept").click(timeout=10_000)
    panel = agent2.locator(".chat-panel")
    expect(panel.locator(".msg.them .body")).to_have_text(["Hola, necesito ayuda con mi factura"])
    expect(panel.locator(".contact-name")).to_have_text("Camila Ñáñez")

    # Live reply, typing indicator, and read marks.
    panel.locator("textarea.reply").type("Con gusto")
    expect(customer.locator("#typing")).to_be_visible()
    panel.locator("textarea.reply").fill("Con gusto, ¿me confirma su cédula?")
    panel.locator("textarea.reply").press("Enter")
    expect(customer.locator(".msg.agent .body")).to_have_text(["Con gusto, ¿me confirma su cédula?"])
    expect(customer.locator(".msg.me .mark").first).to_contain_text("✓✓", timeout=10_000)
    expect(panel.locator(".msg.me .mark")).to_contain_text(["read"], timeout=10_000)

    # Reload: the conversation survives, nothing is duplicated.
    customer.reload()
    expect(customer.locator(".msg.agent .body")).to_have_count(1)
    expect(customer.locator(".msg.me .body")).to_have_count(1)

    # Dropped connection: what the agent wrote meanwhile arrives once after the reconnect.
    customer.wait_for_function(
        "window.contactaChatSocket && window.contactaChatSocket.raw().readyState === 1")
    customer.evaluate("window.contactaChatSocket.raw().close()")
    panel.locator("textarea.reply").fill("Mensaje durante la desconexión")
    panel.locator("textarea.reply").press("Enter")
    expect(customer.locator(".msg.agent .body", has_text="desconexión")).to_have_count(1,
                                                                                      timeout=15_000)
    customer.wait_for_timeout(1000)
    expect(customer.locator(".msg.agent .body", has_text="desconexión")).to_have_count(1)

    # The agent's connection drops while the customer writes: after the reconnect the desktop
    # fetches what it missed, once.
    agent2.evaluate("""() => {
        window.RealWebSocket = window.WebSocket;
        window.WebSocket = function () {  // every reconnect fails until the test restores it
            const dead = { readyState: 3, send() {}, close() {} };
            setTimeout(() => dead.onclose && dead.onclose({ code: 1006 }), 10);
            return dead;
        };
        window.contactaAgentSocket.raw().close(); }""")
    expect(agent2.locator("#conn")).to_have_text("Reconnecting…")
    customer.fill("#body", "¿Sigue ahí?")
    customer.press("#body", "Enter")
    expect(customer.locator(".msg.me .body", has_text="Sigue")).to_have_count(1)
    customer.wait_for_timeout(500)
    expect(panel.locator(".msg.them .body", has_text="Sigue")).to_have_count(0)
    agent2.evaluate("() => { window.WebSocket = window.RealWebSocket; }")
    expect(agent2.locator("#conn")).to_have_text("Connected", timeout=15_000)
    expect(panel.locator(".msg.them .body", has_text="Sigue")).to_have_count(1, timeout=10_000)
    agent2.wait_for_timeout(500)
    expect(panel.locator(".msg.them .body", has_text="Sigue")).to_have_count(1)

    # The customer sends an image; the agent sees its preview.
    picture = tmp_path / "recibo.png"
    picture.write_bytes(PNG)
    customer.set_input_files("#file", str(picture))
    expect(panel.locator(".msg.them img.preview")).to_have_count(1, timeout=10_000)

    # Transfer to the second queue: agent 1 (available again) takes it and closes it.
    set_state(agent1, "available:")
    panel.locator("select.transfer-target").select_option(label="Queue: Second")
    panel.locator("button.transfer").click()
    expect(agent2.locator(".chat-panel")).to_have_count(0)
    agent1.locator(".offer button.accept").click(timeout=10_000)
    panel1 = agent1.locator(".chat-panel")
    expect(panel1.locator(".msg.them .body").first).to_have_text("Hola, necesito ayuda con mi factura")
    panel1.locator("select.disposition").select_option("escalated")
    panel1.locator("button.close-conversation").click()
    expect(panel1.locator(".error")).to_contain_text("note")
    panel1.locator("input.close-note").fill("Escalado a facturación")
    panel1.locator("button.close-conversation").click()
    expect(agent1.locator(".chat-panel")).to_have_count(0)
    expect(customer.locator("#new-chat")).to_be_visible()

    # The other tenant's agent sees none of it.
    rival = login(browser, base, "rival-agent1")
    expect(rival.locator("#no-chats")).to_be_visible()
    listing = rival.evaluate("fetch('/api/v1/tenants/rival/conversations').then(r => r.json())")
    assert listing == []
    foreign = rival.evaluate("fetch('/api/v1/tenants/e2e/conversations').then(r => r.status)")
    assert foreign == 404
