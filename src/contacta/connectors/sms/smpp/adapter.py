"""SMS over SMPP 3.4 as a connector. A long-lived bind (`contacta smpp`, or `supervise` below)
receives messages and delivery receipts; replies go out through the outbox on a short bind.

Environment, under the inbox's prefix: <PREFIX>_SMPP_HOST, _SMPP_PORT, _SMPP_SYSTEM_ID,
_SMPP_PASSWORD. The inbox's provider_account_id is its sending number or short code.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from typing import Any

from asgiref.sync import sync_to_async

from contacta.connectors.inbound import InboundMessage, InboundStatus, Parsed, PayloadError
from contacta.connectors.models import Inbox
from contacta.connectors.outbound import SendResult
from contacta.connectors.sms.smpp import gsm, pdu
from contacta.connectors.sms.smpp.client import Reassembler, SmppClient, SmppError
from contacta.contacts.models import IdentityKind

log = logging.getLogger(__name__)
RECEIPT_STATUS = {"DELIVRD": "delivered", "ACCEPTD": "sent", "ENROUTE": "sent",
                  "UNDELIV": "failed", "REJECTD": "failed", "EXPIRED": "failed",
                  "DELETED": "failed", "UNKNOWN": "failed"}


def _env(inbox: Inbox, name: str, default: str = "") -> str:
    return os.environ.get(f"{inbox.credential_env}_{name}", default) if inbox.credential_env \
        else default


def _client(inbox: Inbox, on_deliver: Any = None) -> SmppClient:
    return SmppClient(_env(inbox, "SMPP_HOST", "127.0.0.1"), int(_env(inbox, "SMPP_PORT", "2775")),
                      _env(inbox, "SMPP_SYSTEM_ID"), _env(inbox, "SMPP_PASSWORD"),
                      on_deliver=on_deliver)


class SmppAdapter:
    identity_kind: str = IdentityKind.PHONE.value

    def verify(self, inbox: Inbox, headers: Any, body: bytes, url: str = "") -> bool:
        return False  # SMPP arrives over its own bind, never through the HTTP webhook

    def event_id(self, payload: Any, body: bytes) -> str | None:
        return None

    def parse(self, payload: Any) -> Parsed:
        if not isinstance(payload, dict) or not payload.get("source"):
            raise PayloadError("stored SMPP message needs its source")
        event = str(payload.get("event_id", ""))
        receipt = payload.get("receipt")
        if isinstance(receipt, dict):
            status = RECEIPT_STATUS.get(str(receipt.get("stat", "")), "")
            if not status:
                return Parsed(event, ignored=(f"receipt {receipt.get('stat')}",))
            reason = "" if status != "failed" else f"{receipt.get('stat')} err {receipt.get('err')}"
            return Parsed(event, statuses=(InboundStatus(str(receipt.get("id")), status, reason),))
        return Parsed(event, (InboundMessage(provider_message_id=event,
                                             sender_id=str(payload["source"]), sender_name="",
                                             body=str(payload.get("text", ""))),))

    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None) -> SendResult:
        if not _env(inbox, "SMPP_SYSTEM_ID") or not inbox.provider_account_id:
            return SendResult(ok=False, retryable=False, reason="the inbox has no SMPP account")

        async def submit() -> list[str]:
            client = _client(inbox)
            await client.connect()
            try:
                return await client.send_text(inbox.provider_account_id, recipient, text)
            finally:
                await client.close()

        try:
            ids = asyncio.run(submit())
        except SmppError as exc:
            # 0x58 throttled and 0x14 queue full are worth retrying (SMPP 3.4 section 5.1.3).
            return SendResult(ok=False, retryable=exc.status in (0, 0x14, 0x58),
                              reason=f"smpp: {exc}")
        except (OSError, TimeoutError) as exc:
            return SendResult(ok=False, retryable=True, reason=f"smpp: {type(exc).__name__}")
        # Receipts name the first part's id; the message is tracked by it.
        return SendResult(ok=True, provider_id=ids[0] if ids else "")


def stored_payload(message: pdu.ShortMessage, text: str) -> dict[str, Any]:
    if message.esm_class & pdu.ESM_DELIVERY_RECEIPT:
        msg_id, stat, err = pdu.parse_receipt(text)
        return {"source": message.source, "receipt": {"id": msg_id, "stat": stat, "err": err},
                "event_id": f"receipt:{msg_id}:{stat}"}
    # No id travels with a mobile-originated SMS; an SMSC that resends after a lost
    # deliver_sm_resp sends the same content within moments: that minute's hash is the key.
    digest = hashlib.sha256(f"{message.source}|{text}|{int(time.time() // 60)}".encode())
    return {"source": message.source, "text": text, "event_id": f"mo:{digest.hexdigest()[:40]}"}


async def supervise(inbox: Inbox, stop: asyncio.Event, backoff_s: float = 1.0) -> None:
    """Keep one bind up for the inbox: store what arrives, rebind after a drop."""
    from contacta.connectors.services import inbound_event_store

    parts = Reassembler()
    store = sync_to_async(inbound_event_store, thread_sensitive=False)

    async def on_deliver(message: pdu.ShortMessage) -> None:
        has_udh = bool(message.esm_class & pdu.ESM_UDHI)
        text, concat = gsm.decode(message.data_coding, message.payload, has_udh)
        if message.esm_class & pdu.ESM_DELIVERY_RECEIPT:
            text = message.payload.decode("latin-1")
        else:
            for whole in parts.add_all(message.source, text, concat):
                payload = stored_payload(message, whole)
                await store(inbox, payload["event_id"], payload)
            return
        payload = stored_payload(message, text)
        await store(inbox, payload["event_id"], payload)

    delay = backoff_s
    while not stop.is_set():
        client = _client(inbox, on_deliver)
        try:
            await client.connect()
            delay = backoff_s
            while client.bound.is_set() and not stop.is_set():
                await asyncio.sleep(0.2)
        except (OSError, SmppError, TimeoutError) as exc:
            log.warning("SMPP bind for inbox %s failed: %s", inbox.pk, exc)
        finally:
            await client.close()
        if not stop.is_set():
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
