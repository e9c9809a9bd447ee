"""A local HTTP server that answers a provider's documented API, recording every request."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

Reply = tuple[int, dict[str, Any]]


def multipart_fields(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body as {name: text, or (filename, content type, bytes)}."""
    message = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw,
                                 policy=policy.HTTP)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if part.get_filename():
            fields[str(name)] = (part.get_filename(), part.get_content_type(), payload)
        else:
            fields[str(name)] = payload.decode() if isinstance(payload, bytes) else ""
    return fields


class ProviderServer:
    def __init__(self, default_reply: Callable[[str, dict[str, Any], int], Reply]) -> None:
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.replies: list[Reply] = []  # queued answers, used before the default
        self.files: dict[str, bytes] = {}  # path -> content, served to GET
        self.fetches: list[tuple[str, dict[str, str]]] = []  # GET path and headers
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: clients reuse the connection

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/x-www-form-urlencoded"):
                    body: dict[str, Any] = dict(parse_qsl(raw.decode()))
                elif content_type.startswith("multipart/form-data"):
                    body = {"_multipart": raw,  # file uploads: kept whole, and as fields
                            "fields": multipart_fields(content_type, raw)}
                else:
                    body = json.loads(raw)
                server.requests.append((self.path, body, dict(self.headers)))
                status, reply = (server.replies.pop(0) if server.replies
                                 else default_reply(self.path, body, len(server.requests)))
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                server.fetches.append((self.path, dict(self.headers)))
                content = server.files.get(self.path)
                self.send_response(200 if content is not None else 404)
                self.send_header("Content-Length", str(len(content or b"")))
                self.end_headers()
                self.wfile.write(content or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
