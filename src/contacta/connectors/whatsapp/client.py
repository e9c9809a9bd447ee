"""The only code that talks to the WhatsApp Cloud API (Graph API /{phone-number-id}/messages)."""

from __future__ import annotations

from contacta.connectors.graph import GRAPH_API, GRAPH_VERSION
from contacta.connectors.outbound import SendResult, call

RETRYABLE_CODES = {4, 80007, 130429, 131016, 131048, 131056}  # rate limits, service unavailable


def _post_message(*, base_url: str, token: str, phone_number_id: str, to: str,
                  content: dict[str, object], timeout_s: float) -> SendResult:
    """POST /{phone-number-id}/messages -> {"messages": [{"id"}]} or {"error": {code, message}}."""
    url = f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/{phone_number_id}/messages"
    reply = call("POST", url, timeout_s=timeout_s, headers={"Authorization": f"Bearer {token}"},
                 json={"messaging_product": "whatsapp", "recipient_type": "individual",
                       "to": to, **content})
    if isinstance(reply, SendResult):
        return reply
    if reply.status == 200 and reply.data.get("messages"):
        return SendResult(ok=True, provider_id=str(reply.data["messages"][0].get("id", "")))
    error = reply.data.get("error") or {}
    code = error.get("code")
    return SendResult(ok=False, retryable=reply.transient or code in RETRYABLE_CODES,
                      reason=f"{code or reply.status} {error.get('message', '')}"[:200])


def send_text(*, base_url: str, token: str, phone_number_id: str, to: str, text: str,
              timeout_s: float = 10.0) -> SendResult:
    return _post_message(base_url=base_url, token=token, phone_number_id=phone_number_id, to=to,
                         content={"type": "text",
                                  "text": {"preview_url": False, "body": text}},
                         timeout_s=timeout_s)


def send_template(*, base_url: str, token: str, phone_number_id: str, to: str, name: str,
                  language: str, variables: list[str], timeout_s: float = 10.0) -> SendResult:
    """A template message (the only kind allowed outside the customer-service window)."""
    template: dict[str, object] = {"name": name, "language": {"code": language}}
    if variables:
        template["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": value} for value in variables]}]
    return _post_message(base_url=base_url, token=token, phone_number_id=phone_number_id, to=to,
                         content={"type": "template", "template": template},
                         timeout_s=timeout_s)


def list_templates(*, base_url: str, token: str, waba_id: str,
                   timeout_s: float = 15.0) -> list[dict[str, object]]:
    """GET /{waba-id}/message_templates, following paging.next; raises ConnectionError."""
    url: str | None = f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/{waba_id}" \
        "/message_templates?limit=100"
    found: list[dict[str, object]] = []
    while url:
        reply = call("GET", url, timeout_s=timeout_s,
                     headers={"Authorization": f"Bearer {token}"})
        if isinstance(reply, SendResult) or reply.status != 200:
            raise ConnectionError("the template list could not be read")
        found.extend(t for t in reply.data.get("data", []) if isinstance(t, dict))
        url = (reply.data.get("paging") or {}).get("next")
    return found
