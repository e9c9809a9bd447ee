"""SMS through an HTTP aggregator speaking Twilio's API (the SMPP client is the other option).

Environment, under the inbox's prefix: <PREFIX>_ACCOUNT_SID, <PREFIX>_AUTH_TOKEN and, when the
public URL differs from what the server sees behind a proxy, <PREFIX>_WEBHOOK_URL.
The inbox's provider_account_id is its sending number (E.164).
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from django.conf import settings

from contacta.connectors.inbound import Parsed
from contacta.connectors.models import Inbox
from contacta.connectors.outbound import OutgoingFile, SendResult, download
from contacta.connectors.sms.twilio_client import send_sms
from contacta.connectors.sms.twilio_inbound import decode_form, event_id, parse_form, signature
from contacta.contacts.models import IdentityKind

SIGNATURE_HEADER = "X-Twilio-Signature"


def _env(inbox: Inbox, name: str) -> str:
    return os.environ.get(f"{inbox.credential_env}_{name}", "") if inbox.credential_env else ""


class TwilioSmsAdapter:
    identity_kind: str = IdentityKind.PHONE.value

    def decode(self, body: bytes) -> Any:
        return decode_form(body)

    def verify(self, inbox: Inbox, headers: Any, body: bytes, url: str = "") -> bool:
        token = _env(inbox, "AUTH_TOKEN")
        given = str(headers.get(SIGNATURE_HEADER, ""))
        if not token or not given:
            return False
        try:
            params = decode_form(body)
        except ValueError:
            return False
        expected = signature(token, _env(inbox, "WEBHOOK_URL") or url, params)
        return hmac.compare_digest(given, expected)

    def event_id(self, payload: Any, body: bytes) -> str | None:
        return event_id(payload) if isinstance(payload, dict) else None

    def parse(self, payload: Any) -> Parsed:
        return parse_form(payload)

    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None, *, media_url: str = "") -> SendResult:
        sid, token = _env(inbox, "ACCOUNT_SID"), _env(inbox, "AUTH_TOKEN")
        if not sid or not token or not inbox.provider_account_id:
            return SendResult(ok=False, retryable=False,
                              reason="the inbox has no account, token or sending number")
        return send_sms(base_url=inbox.api_base_url, account_sid=sid, auth_token=token,
                        sender=inbox.provider_account_id, to=recipient, text=text,
                        media_url=media_url)

    def send_file(self, inbox: Inbox, recipient: str, file: OutgoingFile, caption: str = "",
                  human_agent_tag: bool = False) -> SendResult:
        """MMS: the provider fetches the file from our signed link."""
        if not file.public_url:
            return SendResult(ok=False, retryable=False,
                              reason="set CONTACTA_PUBLIC_URL so the provider can fetch files")
        return self.send(inbox, recipient, caption, media_url=file.public_url)

    def fetch_attachment(self, inbox: Inbox, ref: str) -> bytes | None:
        """MediaUrlN of an inbound MMS, read with the account's credentials (HTTP basic)."""
        sid, token = _env(inbox, "ACCOUNT_SID"), _env(inbox, "AUTH_TOKEN")
        if not sid or not token or not ref.startswith(("https://", "http://")):
            return None
        return download(ref, max_bytes=settings.UPLOAD_MAX_BYTES, auth=(sid, token))
