"""The only code that talks to the Messenger / Instagram Send API
(https://developers.facebook.com/docs/messenger-platform/reference/send-api/)."""

from __future__ import annotations

from contacta.connectors.graph import GRAPH_API, GRAPH_VERSION
from contacta.connectors.outbound import SendResult, call


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
    reply = call("POST", url, json=payload, timeout_s=timeout_s,
                 headers={"Authorization": f"Bearer {token}"})
    if isinstance(reply, SendResult):
        return reply
    if reply.status == 200 and reply.data.get("message_id"):
        return SendResult(ok=True, provider_id=str(reply.data["message_id"]))
    error = reply.data.get("error") or {}
    return SendResult(ok=False, retryable=reply.transient or error.get("code") in {2, 4, 613},
                      reason=f"{error.get('code', reply.status)} {error.get('message', '')}"[:200])
