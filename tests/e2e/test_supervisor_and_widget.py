"""The supervisor's live view and the embeddable widget, in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_webchat_flow import login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_supervisor_forces_states_and_sees_waiting_chat_live(browser, live_server_url):
    base = live_server_url
    sup = login(browser, base, "e2e-sup")
    expect(sup).to_have_url(re.compile(r".*/supervisor/$"))
    agents = sup.locator("#agents tbody tr")
    expect(agents).to_have_count(2)
    for row in range(2):
        agents.nth(row).locator("select").select_option("aux:break")
    for row in range(2):
        expect(agents.nth(row).locator("td").nth(1)).to_have_text("Aux: Break")
    customer = browser.new_context(locale="en-US").new_page()
    customer.goto(f"{base}/chat/e2e-key/")
    customer.fill("#prechat input[name=name]", "Waiting Walter")
    customer.click("#start-chat")
    waiting = sup.locator("#waiting tbody tr", has_text="Waiting Walter")
    expect(waiting).to_have_count(1, timeout=10_000)
    expect(customer.locator("#queue-info")).to_contain_text("number 1", timeout=10_000)
    customer.click("#end-chat")
    expect(waiting).to_have_count(0, timeout=10_000)
    # A client viewer sees the same live view and cannot change anything.
    viewer = login(browser, base, "e2e-viewer")
    expect(viewer.locator("#agents tbody tr")).to_have_count(2)
    status = viewer.evaluate("""fetch('/api/v1/tenants/e2e/agents/1/state', {method: 'PUT',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken':
        document.cookie.match(/csrftoken=([^;]+)/)[1]}, body: JSON.stringify({status: 'offline'})})
        .then(r => r.status)""")
    assert status == 404


def test_widget_script_opens_the_chat_on_any_page(browser, live_server_url):
    page = browser.new_context().new_page()
    page.goto(f"{live_server_url}/widget.js")  # same origin, so the host page may load it
    page.set_content(f'<html><body><h1>Tienda</h1><script src="{live_server_url}/widget.js" '
                     'data-inbox="e2e-key"></script></body></html>')
    button = page.locator("button[aria-label=Chat]")
    expect(button).to_be_visible()
    button.click()
    frame = page.frame_locator("iframe[title=Chat]")
    expect(frame.locator("#prechat")).to_be_visible(timeout=10_000)
    expect(frame.locator("select[name=topic] option")).to_have_count(1)
