"""What Meta's Graph webhook family shares (WhatsApp, Messenger, Instagram): the subscription
handshake and the X-Hub-Signature-256 check
(https://developers.facebook.com/docs/graph-api/webhooks/getting-started).

Secrets come from the environment, named by the inbox's credential_env prefix:
<PREFIX>_ACCESS_TOKEN, <PREFIX>_APP_SECRET, <PREFIX>_VERIFY_TOKEN.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from contacta.connectors.models import Inbox

SIGNATURE_HEADER = "X-Hub-Signature-256"
GRAPH_API = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"


def secret(inbox: Inbox, name: str) -> str:
    return os.environ.get(f"{inbox.credential_env}_{name}", "") if inbox.credential_env else ""


def delivery_id(body: bytes) -> str:
    """Meta retries a delivery with the same body: its hash is the idempotency key."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


class GraphWebhook:
    """Mixin: GET hub.challenge handshake and signed POST bodies."""

    def verify_subscription(self, inbox: Inbox, params: Any) -> str | None:
        expected = secret(inbox, "VERIFY_TOKEN")
        given = str(params.get("hub.verify_token", ""))
        if (params.get("hub.mode") == "subscribe" and expected
                and hmac.compare_digest(given, expected)):
            return str(params.get("hub.challenge", ""))
        return None

    def verify(self, inbox: Inbox, headers: Any, body: bytes, url: str = "") -> bool:
        app_secret = secret(inbox, "APP_SECRET")
        given = str(headers.get(SIGNATURE_HEADER, ""))
        if not app_secret or not given.startswith("sha256="):
            return False
        expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.removeprefix("sha256="), expected)

    def event_id(self, payload: Any, body: bytes) -> str | None:
        return delivery_id(body)
