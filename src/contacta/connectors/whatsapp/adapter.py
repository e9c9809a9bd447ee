"""WhatsApp Cloud API as a connector: verification, signature, parsing, sending.

Secrets come from the environment, named by the inbox's credential_env prefix:
<PREFIX>_ACCESS_TOKEN, <PREFIX>_APP_SECRET, <PREFIX>_VERIFY_TOKEN.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from contacta.connectors.inbound import Parsed
from contacta.connectors.models import Inbox
from contacta.connectors.telegram.client import SendResult
from contacta.connectors.whatsapp.client import send_text
from contacta.connectors.whatsapp.inbound import delivery_id, parse_delivery
from contacta.contacts.models import IdentityKind

SIGNATURE_HEADER = "X-Hub-Signature-256"


def _secret(inbox: Inbox, name: str) -> str:
    return os.environ.get(f"{inbox.credential_env}_{name}", "") if inbox.credential_env else ""


class WhatsAppAdapter:
    identity_kind: str = IdentityKind.WHATSAPP.value

    def verify_subscription(self, inbox: Inbox, params: Any) -> str | None:
        """GET hub.mode=subscribe&hub.verify_token=...&hub.challenge=... -> the challenge."""
        expected = _secret(inbox, "VERIFY_TOKEN")
        given = str(params.get("hub.verify_token", ""))
        if (params.get("hub.mode") == "subscribe" and expected
                and hmac.compare_digest(given, expected)):
            return str(params.get("hub.challenge", ""))
        return None

    def verify(self, inbox: Inbox, headers: Any, body: bytes) -> bool:
        """X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>."""
        secret = _secret(inbox, "APP_SECRET")
        given = str(headers.get(SIGNATURE_HEADER, ""))
        if not secret or not given.startswith("sha256="):
            return False
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.removeprefix("sha256="), expected)

    def event_id(self, payload: Any, body: bytes) -> str | None:
        return delivery_id(body)

    def parse(self, payload: Any) -> Parsed:
        return parse_delivery(payload)

    def send(self, inbox: Inbox, recipient: str, text: str) -> SendResult:
        token = _secret(inbox, "ACCESS_TOKEN")
        if not token or not inbox.provider_account_id:
            return SendResult(ok=False, retryable=False,
                              reason="the inbox has no access token or phone-number id")
        return send_text(base_url=inbox.api_base_url, token=token,
                         phone_number_id=inbox.provider_account_id, to=recipient, text=text)
