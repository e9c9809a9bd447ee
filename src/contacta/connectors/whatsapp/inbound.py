"""Pure parsing of WhatsApp Business Cloud API webhooks
(https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components).

A delivery is {"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
"messages", "value": {"metadata", "contacts", "messages" | "statuses"}}]}]}.
"""

from __future__ import annotations

from typing import Any

from contacta.connectors.graph import delivery_id
from contacta.connectors.inbound import (
    InboundMessage,
    InboundStatus,
    Parsed,
    PayloadError,
    items,
    obj,
)

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")


def _text_of(msg: dict[str, Any]) -> tuple[str, tuple[str, ...]]:  # noqa: PLR0911 - per type
    kind = msg.get("type")
    if kind == "text":
        return str(obj(msg.get("text")).get("body", "")), ()
    if kind in MEDIA_TYPES:
        media = obj(msg.get(str(kind)))
        return str(media.get("caption") or media.get("filename") or ""), (str(media.get("id", "")),)
    if kind == "location":
        loc = obj(msg.get("location"))
        place = " ".join(str(loc.get(k, "")) for k in ("name", "address") if loc.get(k))
        return f"📍 {loc.get('latitude')},{loc.get('longitude')} {place}".strip(), ()
    if kind == "contacts":
        names = [str(obj(obj(c).get("name")).get("formatted_name", ""))
                 for c in items(msg.get("contacts"))]
        return "👤 " + ", ".join(n for n in names if n), ()
    if kind == "interactive":
        reply = obj(msg.get("interactive"))
        chosen = obj(reply.get("button_reply") or reply.get("list_reply"))
        return str(chosen.get("title", "")), ()
    if kind == "button":
        return str(obj(msg.get("button")).get("text", "")), ()
    if kind == "reaction":
        return str(obj(msg.get("reaction")).get("emoji", "")), ()
    raise PayloadError(f"unsupported message type {kind!r}")


def parse_delivery(payload: Any, body: bytes = b"") -> Parsed:
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise PayloadError("a delivery is an object with an entry list")
    messages: list[InboundMessage] = []
    statuses: list[InboundStatus] = []
    ignored: list[str] = []
    for entry in payload["entry"]:
        for change in items(obj(entry).get("changes")):
            value = obj(change).get("value")
            if not isinstance(value, dict) or obj(change).get("field") != "messages":
                ignored.append(str(obj(change).get("field", "?")))
                continue
            names = {str(obj(c).get("wa_id")): str(obj(obj(c).get("profile")).get("name", ""))
                     for c in items(value.get("contacts"))}
            for msg in items(value.get("messages")):
                if not isinstance(msg, dict) or not msg.get("id") or not msg.get("from"):
                    raise PayloadError("a message needs id and from")
                try:
                    text, files = _text_of(msg)
                except PayloadError:
                    ignored.append(str(msg.get("type")))
                    continue
                sender = str(msg["from"])
                messages.append(InboundMessage(provider_message_id=str(msg["id"]),
                                               sender_id=sender, sender_name=names.get(sender, ""),
                                               body=text, attachments=tuple(f for f in files if f)))
            for status in items(value.get("statuses")):
                if not isinstance(status, dict) or not status.get("id"):
                    raise PayloadError("a status needs an id")
                reason = "; ".join(f"{e.get('code')} {e.get('title', '')}".strip()
                                   for e in items(status.get("errors")) if isinstance(e, dict))
                statuses.append(InboundStatus(str(status["id"]), str(status.get("status", "")),
                                              reason))
    return Parsed(delivery_id(body) if body else "", tuple(messages), tuple(ignored),
                  tuple(statuses))
