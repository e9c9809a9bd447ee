"""The only code that talks to the Messenger / Instagram Send API
(https://developers.facebook.com/docs/messenger-platform/reference/send-api/)."""

from __future__ import annotations

import httpx

from contacta.connectors.graph import GRAPH_API, GRAPH_VERSION
from contacta.connectors.telegram.client import SendResult


def send_text(*, base_url: str, token: str, recipient: str, text: str,
              human_agent_tag: bool, timeout_s: float = 10.0) -> SendResult:
    """POST /me/messages. Outside the 24-hour window a person may still answer for 7 days with
    the HUMAN_AGENT tag (Messenger Platform messaging policy)."""
    url = f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/me/messages"
    payload: dict[str, object] = {"recipient": {"id": recipient}, "message": {"text": text},
                                  "messaging_type": "RESPONSE"}
    if human_agent_tag:
        payload["messaging_type"] = "MESSAGE_TAG"
        payload["tag"] = "HUMAN_AGENT"
    try:
        response = httpx.post(url, json=payload, timeout=timeout_s,
                              headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        return SendResult(ok=False, retryable=True, reason=f"network: {type(exc).__name__}")
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code == 200 and data.get("message_id"):
        return SendResult(ok=True, provider_id=str(data["message_id"]))
    error = data.get("error") or {}
    retryable = response.status_code >= 500 or error.get("code") in {2, 4, 613}
    return SendResult(ok=False, retryable=retryable,
                      reason=f"{error.get('code', response.status_code)} "
                             f"{error.get('message', '')}"[:200])
