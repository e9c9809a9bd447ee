"""ASGI entry: HTTP (Django + static files), WebSockets (Channels), and the embedded worker."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contacta.config.settings")

from django.core.asgi import get_asgi_application

django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from contacta.config.lifespan import LifespanMiddleware  # noqa: E402
from contacta.realtime.routing import websocket_urlpatterns  # noqa: E402

application = LifespanMiddleware(ProtocolTypeRouter({
    "http": ASGIStaticFilesHandler(django_asgi),
    # Sessions authenticate staff sockets; the customer's socket carries its own visitor token.
    # The Origin header is not pinned: the chat widget is embedded on the client's own sites.
    "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
}))
