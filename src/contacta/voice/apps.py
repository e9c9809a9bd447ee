from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "contacta.voice"
    label = "voice"
    default_auto_field = "django.db.models.BigAutoField"
