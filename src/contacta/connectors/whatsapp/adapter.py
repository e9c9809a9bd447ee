"""WhatsApp Cloud API as a connector: verification, signature, parsing, sending."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from contacta.connectors.graph import GraphWebhook, secret
from contacta.connectors.inbound import Parsed
from contacta.connectors.models import Inbox
from contacta.connectors.outbound import OutgoingFile, SendResult
from contacta.connectors.whatsapp.client import (
    download_media,
    list_templates,
    send_interactive,
    send_media,
    send_template,
    send_text,
)
from contacta.connectors.whatsapp.inbound import parse_delivery
from contacta.contacts.models import IdentityKind

NOT_CONFIGURED = SendResult(ok=False, retryable=False,
                            reason="the inbox has no access token or phone-number id")


class WhatsAppAdapter(GraphWebhook):
    identity_kind: str = IdentityKind.WHATSAPP.value

    def parse(self, payload: Any) -> Parsed:
        return parse_delivery(payload)

    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None) -> SendResult:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token or not inbox.provider_account_id:
            return NOT_CONFIGURED
        return send_text(base_url=inbox.api_base_url, token=token,
                         phone_number_id=inbox.provider_account_id, to=recipient, text=text)

    def send_file(self, inbox: Inbox, recipient: str, file: OutgoingFile, caption: str = "",
                  human_agent_tag: bool = False) -> SendResult:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token or not inbox.provider_account_id:
            return NOT_CONFIGURED
        return send_media(base_url=inbox.api_base_url, token=token,
                          phone_number_id=inbox.provider_account_id, to=recipient, file=file,
                          caption=caption)

    def send_options(self, inbox: Inbox, recipient: str, text: str, options: list[str],
                     human_agent_tag: bool = False) -> SendResult:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token or not inbox.provider_account_id:
            return NOT_CONFIGURED
        return send_interactive(base_url=inbox.api_base_url, token=token,
                                phone_number_id=inbox.provider_account_id, to=recipient,
                                text=text, options=options)

    def fetch_attachment(self, inbox: Inbox, ref: str) -> bytes | None:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token:
            return None
        return download_media(base_url=inbox.api_base_url, token=token, media_id=ref,
                              max_bytes=settings.UPLOAD_MAX_BYTES)

    def send_template(self, inbox: Inbox, recipient: str, name: str, language: str,
                      variables: list[str]) -> SendResult:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token or not inbox.provider_account_id:
            return NOT_CONFIGURED
        return send_template(base_url=inbox.api_base_url, token=token,
                             phone_number_id=inbox.provider_account_id, to=recipient, name=name,
                             language=language, variables=variables)

    def templates(self, inbox: Inbox) -> list[dict[str, Any]]:
        """Approved templates as {name, language, category, status, body}."""
        token, waba = secret(inbox, "ACCESS_TOKEN"), secret(inbox, "WABA_ID")
        if not token or not waba:
            raise ConnectionError("the inbox has no access token or WhatsApp account id")
        found = []
        for item in list_templates(base_url=inbox.api_base_url, token=token, waba_id=waba):
            components = item.get("components")
            components = components if isinstance(components, list) else []
            body = next((str(c.get("text", "")) for c in components
                         if isinstance(c, dict) and c.get("type") == "BODY"), "")
            found.append({"name": str(item.get("name", "")),
                          "language": str(item.get("language", "")),
                          "category": str(item.get("category", "")),
                          "status": str(item.get("status", "")), "body": body})
        return found
