from django.urls import path

from contacta.realtime import consumers

websocket_urlpatterns = [
    path("ws/chat/<str:inbox_key>/", consumers.VisitorConsumer.as_asgi()),
    path("ws/agent/<slug:tenant>/", consumers.AgentConsumer.as_asgi()),
    path("ws/supervisor/<slug:tenant>/", consumers.SupervisorConsumer.as_asgi()),
]
