"""The only code that talks to the WhatsApp Cloud API (Graph API /{phone-number-id}/messages)."""

from __future__ import annotations

import httpx

from contacta.connectors.graph import GRAPH_API, GRAPH_VERSION
from contacta.connectors.telegram.client import SendResult

RETRYABLE_CODES = {4, 80007, 130429, 131016, 131048, 131056}  # rate limits, service unavailable


def send_text(*, base_url: str, token: str, phone_number_id: str, to: str, text: str,
              timeout_s: float = 10.0) -> SendResult:
    url = f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/{phone_number_id}/messages"
    payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
               "type": "text", "text": {"preview_url": False, "body": text}}
    try:
        response = httpx.post(url, json=payload, timeout=timeout_s,
                              headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        return SendResult(ok=False, retryable=True, reason=f"network: {type(exc).__name__}")
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code == 200 and data.get("messages"):
        return SendResult(ok=True, provider_id=str(data["messages"][0].get("id", "")))
    error = data.get("error") or {}
    code = error.get("code")
    retryable = response.status_code >= 500 or response.status_code == 429 or (
        code in RETRYABLE_CODES)
    return SendResult(ok=False, retryable=retryable,
                      reason=f"{code or response.status_code} {error.get('message', '')}"[:200])
