"""One adapter per inbox kind (no if/elif ladders over channels)."""

from __future__ import annotations

from typing import Any, Protocol

from contacta.connectors.email.adapter import EmailAdapter
from contacta.connectors.inbound import Parsed
from contacta.connectors.messenger.adapter import MessengerAdapter
from contacta.connectors.models import Inbox, InboxKind
from contacta.connectors.outbound import SendResult
from contacta.connectors.sms.adapter import TwilioSmsAdapter
from contacta.connectors.sms.smpp.adapter import SmppAdapter
from contacta.connectors.telegram.adapter import TelegramAdapter
from contacta.connectors.whatsapp.adapter import WhatsAppAdapter
from contacta.contacts.models import IdentityKind


class Adapter(Protocol):
    identity_kind: str

    def verify(self, inbox: Inbox, headers: Any, body: bytes, url: str = "") -> bool: ...
    def event_id(self, payload: Any, body: bytes) -> str | None: ...
    def parse(self, payload: Any) -> Parsed: ...
    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None) -> SendResult: ...


ADAPTERS: dict[str, Adapter] = {
    InboxKind.TELEGRAM.value: TelegramAdapter(),
    InboxKind.WHATSAPP.value: WhatsAppAdapter(),
    InboxKind.MESSENGER.value: MessengerAdapter(IdentityKind.MESSENGER.value),
    InboxKind.INSTAGRAM.value: MessengerAdapter(IdentityKind.INSTAGRAM.value),
    InboxKind.EMAIL.value: EmailAdapter(),
    InboxKind.SMS.value: TwilioSmsAdapter(),
    InboxKind.SMPP.value: SmppAdapter(),
}


def adapter_for(kind: str) -> Adapter | None:
    return ADAPTERS.get(kind)
