"""The only code that talks to a Twilio-compatible SMS API
(POST /2010-04-01/Accounts/{AccountSid}/Messages.json, https://www.twilio.com/docs/messaging/api/message-resource)."""

from __future__ import annotations

import httpx

from contacta.connectors.telegram.client import SendResult

TWILIO_API = "https://api.twilio.com"


def send_sms(*, base_url: str, account_sid: str, auth_token: str, sender: str, to: str,
             text: str, timeout_s: float = 10.0) -> SendResult:
    url = f"{(base_url or TWILIO_API).rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
    try:
        response = httpx.post(url, data={"To": to, "From": sender, "Body": text},
                              auth=(account_sid, auth_token), timeout=timeout_s)
    except httpx.HTTPError as exc:
        return SendResult(ok=False, retryable=True, reason=f"network: {type(exc).__name__}")
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code in (200, 201) and data.get("sid"):
        return SendResult(ok=True, provider_id=str(data["sid"]))
    retryable = response.status_code == 429 or response.status_code >= 500
    return SendResult(ok=False, retryable=retryable,
                      reason=f"{data.get('code', response.status_code)} "
                             f"{data.get('message', '')}"[:200])
