from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "contacta.conversations"
    label = "conversations"
    default_auto_field = "django.db.models.BigAutoField"
