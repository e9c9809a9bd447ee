"""Fetch mail from an IMAP mailbox: IDLE while the server supports it, polling otherwise.

Settings come from the environment under the inbox's prefix: <PREFIX>_IMAP_HOST, _IMAP_PORT,
_IMAP_USER, _IMAP_PASSWORD, _IMAP_SECURITY (plain | starttls | ssl), _IMAP_FOLDER (INBOX).
Fetched messages are stored (idempotent on Message-ID) and then flagged \\Seen, so a crash in
between fetches them again rather than losing them.
"""

from __future__ import annotations

import imaplib
import logging
import os
import ssl
from collections.abc import Callable

from contacta.connectors.models import Inbox

log = logging.getLogger(__name__)


def _env(inbox: Inbox, name: str, default: str = "") -> str:
    return os.environ.get(f"{inbox.credential_env}_{name}", default) if inbox.credential_env \
        else default


def connect(inbox: Inbox, timeout_s: float = 30.0) -> imaplib.IMAP4:
    host = _env(inbox, "IMAP_HOST")
    if not host:
        raise ConnectionError("the inbox has no IMAP host")
    port = int(_env(inbox, "IMAP_PORT", "143"))
    security = _env(inbox, "IMAP_SECURITY", "plain")
    client: imaplib.IMAP4
    if security == "ssl":
        client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(),
                                   timeout=timeout_s)
    else:
        client = imaplib.IMAP4(host, port, timeout=timeout_s)
        if security == "starttls":
            client.starttls(ssl_context=ssl.create_default_context())
    client.login(_env(inbox, "IMAP_USER"), _env(inbox, "IMAP_PASSWORD"))
    client.select(_env(inbox, "IMAP_FOLDER", "INBOX"))
    return client


def fetch_unseen(client: imaplib.IMAP4, store: Callable[[bytes], object]) -> int:
    """Store every unseen message, then flag it seen. Returns how many were fetched."""
    status, data = client.uid("SEARCH", "UNSEEN")
    if status != "OK" or not data or not data[0]:
        return 0
    fetched = 0
    for uid in data[0].split():
        status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
        if status != "OK" or not isinstance(raw, bytes):
            continue
        store(raw)
        client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        fetched += 1
    return fetched


def idle(client: imaplib.IMAP4, timeout_s: float) -> bool:
    """RFC 2177 IDLE: wait until the server reports new mail (True) or the timeout passes.
    Returns False at once when the server does not announce IDLE (the caller polls)."""
    if "IDLE" not in client.capabilities:
        return False
    tag = client._new_tag().decode()  # imaplib has no public IDLE before Python 3.14
    client.send(f"{tag} IDLE\r\n".encode())
    client.readline()  # "+ idling"
    sock = client.socket()
    sock.settimeout(timeout_s)
    news = False
    try:
        while True:
            line = client.readline()
            if not line:
                break
            if b"EXISTS" in line or b"RECENT" in line:
                news = True
                break
    except TimeoutError:
        pass
    finally:
        sock.settimeout(None)
        client.send(b"DONE\r\n")
        while True:  # read up to the tagged completion of IDLE
            line = client.readline()
            if not line or line.startswith(tag.encode()):
                break
    return news
