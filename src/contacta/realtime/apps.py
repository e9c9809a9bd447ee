from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "contacta.realtime"
    label = "realtime"
    default_auto_field = "django.db.models.BigAutoField"
