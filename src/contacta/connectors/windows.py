"""Customer-service windows of the messaging platforms: when may an agent write freely?

WhatsApp Business: free-form replies within 24 hours of the customer's last message; after that
only approved templates (developers.facebook.com/docs/whatsapp/pricing#customer-service-windows).
Messenger and Instagram: 24 hours for standard messaging; a human agent may answer up to 7 days
with the HUMAN_AGENT tag (developers.facebook.com/docs/messenger-platform/policy/policy-overview).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = timedelta(hours=24)
HUMAN_AGENT_LIMIT = timedelta(days=7)


@dataclass(frozen=True)
class ReplyPolicy:
    allowed: bool
    human_agent_tag: bool = False
    reason: str = ""


def reply_policy(kind: str, last_inbound_at: datetime | None, now: datetime) -> ReplyPolicy:
    if kind not in {"whatsapp", "messenger", "instagram"}:
        return ReplyPolicy(allowed=True)
    if last_inbound_at is None:
        return ReplyPolicy(False, reason="the customer has not written on this channel")
    age = now - last_inbound_at
    if age <= DAY:
        return ReplyPolicy(allowed=True)
    if kind == "whatsapp":
        return ReplyPolicy(False, reason="more than 24 hours since the customer's last message: "
                                         "WhatsApp allows only approved templates")
    if age <= HUMAN_AGENT_LIMIT:
        return ReplyPolicy(allowed=True, human_agent_tag=True)
    return ReplyPolicy(False, reason="more than 7 days since the customer's last message")
