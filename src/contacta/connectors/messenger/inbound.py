"""Pure parsing of Messenger and Instagram messaging webhooks
(https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages,
https://developers.facebook.com/docs/instagram-platform/webhooks/examples).

{"object": "page" | "instagram", "entry": [{"id", "time", "messaging": [{"sender": {"id"},
"recipient": {"id"}, "timestamp", "message": {"mid", "text", "attachments", "is_echo"}
| "delivery": {"mids", "watermark"} | "read": {"watermark" | "mid"} | "postback": {...}}]}]}
"""

from __future__ import annotations

from typing import Any

from contacta.connectors.inbound import (
    InboundMessage,
    InboundStatus,
    Parsed,
    PayloadError,
    items,
    obj,
)

OBJECTS = {"page", "instagram"}


def _event(item: dict[str, Any], messages: list[InboundMessage],
           statuses: list[InboundStatus], ignored: list[str]) -> None:
    sender = str(obj(item.get("sender")).get("id", "") or "")
    if "message" in item:
        msg = item["message"]
        if not isinstance(msg, dict) or not msg.get("mid"):
            raise PayloadError("a message needs a mid")
        if msg.get("is_echo"):
            ignored.append("echo")  # our own outbound message, reflected back
            return
        files = tuple(str(obj(obj(a).get("payload")).get("url", ""))
                      for a in items(msg.get("attachments")))
        text = msg.get("text") or obj(msg.get("quick_reply")).get("payload") or ""
        if not sender:
            raise PayloadError("a message needs sender.id")
        messages.append(InboundMessage(provider_message_id=str(msg["mid"]), sender_id=sender,
                                       sender_name="", body=str(text),
                                       attachments=tuple(f for f in files if f)))
    elif "postback" in item:
        postback = obj(item["postback"])
        if not sender:
            raise PayloadError("a postback needs sender.id")
        messages.append(InboundMessage(
            provider_message_id=str(postback.get("mid") or f"postback:{item.get('timestamp')}"),
            sender_id=sender, sender_name="",
            body=str(postback.get("title") or postback.get("payload") or "")))
    elif "delivery" in item:
        for mid in items(obj(item["delivery"]).get("mids")):
            statuses.append(InboundStatus(str(mid), "delivered"))
    elif "read" in item and obj(item["read"]).get("mid"):
        statuses.append(InboundStatus(str(item["read"]["mid"]), "read"))
    else:
        ignored.append(next((k for k in item if k not in {"sender", "recipient", "timestamp"}),
                            "empty"))


def parse_messaging(payload: Any) -> Parsed:
    if (not isinstance(payload, dict) or not isinstance(payload.get("object"), str)
            or payload["object"] not in OBJECTS or not isinstance(payload.get("entry"), list)):
        raise PayloadError("a delivery is {object: page|instagram, entry: [...]}")
    messages: list[InboundMessage] = []
    statuses: list[InboundStatus] = []
    ignored: list[str] = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict):
            raise PayloadError("entry items are objects")
        for item in items(entry.get("messaging")):
            if not isinstance(item, dict):
                raise PayloadError("messaging items are objects")
            _event(item, messages, statuses, ignored)
    return Parsed("", tuple(messages), tuple(ignored), tuple(statuses))
