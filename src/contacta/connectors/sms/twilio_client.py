"""The only code that talks to a Twilio-compatible SMS API
(POST /2010-04-01/Accounts/{AccountSid}/Messages.json, https://www.twilio.com/docs/messaging/api/message-resource)."""

from __future__ import annotations

from contacta.connectors.outbound import SendResult, call

TWILIO_API = "https://api.twilio.com"


def send_sms(*, base_url: str, account_sid: str, auth_token: str, sender: str, to: str,
             text: str, media_url: str = "", timeout_s: float = 10.0) -> SendResult:
    """An SMS, or an MMS when media_url is given (the provider fetches the file from it)."""
    url = f"{(base_url or TWILIO_API).rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
    form = {"To": to, "From": sender, "Body": text}
    if media_url:
        form["MediaUrl"] = media_url
    reply = call("POST", url, data=form, auth=(account_sid, auth_token), timeout_s=timeout_s)
    if isinstance(reply, SendResult):
        return reply
    if reply.status in (200, 201) and reply.data.get("sid"):
        return SendResult(ok=True, provider_id=str(reply.data["sid"]))
    return SendResult(ok=False, retryable=reply.transient,
                      reason=f"{reply.data.get('code', reply.status)} "
                             f"{reply.data.get('message', '')}"[:200])
