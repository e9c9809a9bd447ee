"""The only code that talks to the WhatsApp Cloud API (Graph API /{phone-number-id}/messages)."""

from __future__ import annotations

from contacta.connectors.graph import GRAPH_API, GRAPH_VERSION
from contacta.connectors.outbound import SendResult, call

RETRYABLE_CODES = {4, 80007, 130429, 131016, 131048, 131056}  # rate limits, service unavailable


def send_text(*, base_url: str, token: str, phone_number_id: str, to: str, text: str,
              timeout_s: float = 10.0) -> SendResult:
    url = f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/{phone_number_id}/messages"
    payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
               "type": "text", "text": {"preview_url": False, "body": text}}
    reply = call("POST", url, json=payload, timeout_s=timeout_s,
                 headers={"Authorization": f"Bearer {token}"})
    if isinstance(reply, SendResult):
        return reply
    if reply.status == 200 and reply.data.get("messages"):
        return SendResult(ok=True, provider_id=str(reply.data["messages"][0].get("id", "")))
    error = reply.data.get("error") or {}
    code = error.get("code")
    return SendResult(ok=False, retryable=reply.transient or code in RETRYABLE_CODES,
                      reason=f"{code or reply.status} {error.get('message', '')}"[:200])
