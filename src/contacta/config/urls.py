from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import path
from django.views.i18n import JavaScriptCatalog, set_language

from contacta.api.app import api
from contacta.connectors.webhooks import provider_webhook
from contacta.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/login/", views.ContactaLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["contacta.web"]), name="jsi18n"),
    path("agent/", views.agent_desktop, name="agent"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("chat/<str:inbox_key>/", views.chat_page, name="chat"),
    path("widget.js", views.widget_js, name="widget"),
    path("attachments/<int:attachment_id>/", views.attachment_download,
         name="attachment-download"),
    path("chat-files/<str:signed>/", views.visitor_attachment, name="webchat-attachment"),
    path("hooks/<slug:kind>/<str:inbox_key>/", provider_webhook, name="provider-webhook"),
]
