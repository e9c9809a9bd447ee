"""WhatsApp Cloud API as a connector: verification, signature, parsing, sending."""

from __future__ import annotations

from typing import Any

from contacta.connectors.graph import GraphWebhook, secret
from contacta.connectors.inbound import Parsed
from contacta.connectors.models import Inbox
from contacta.connectors.outbound import SendResult
from contacta.connectors.whatsapp.client import send_text
from contacta.connectors.whatsapp.inbound import parse_delivery
from contacta.contacts.models import IdentityKind


class WhatsAppAdapter(GraphWebhook):
    identity_kind: str = IdentityKind.WHATSAPP.value

    def parse(self, payload: Any) -> Parsed:
        return parse_delivery(payload)

    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None) -> SendResult:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token or not inbox.provider_account_id:
            return SendResult(ok=False, retryable=False,
                              reason="the inbox has no access token or phone-number id")
        return send_text(base_url=inbox.api_base_url, token=token,
                         phone_number_id=inbox.provider_account_id, to=recipient, text=text)
