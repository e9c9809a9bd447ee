from django.contrib import admin

from contacta.conversations.models import Conversation, Message, RoutingSegment


class MessageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Message
    extra = 0
    fields = ("direction", "body", "status", "created_at")
    readonly_fields = fields
    can_delete = False


class SegmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RoutingSegment
    extra = 0
    fields = ("kind", "queue", "agent", "at", "detail")
    readonly_fields = fields
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: conversations change through the desktop and the API, never by hand."""

    list_display = ("id", "tenant", "channel", "status", "queue", "assignee", "created_at")
    list_filter = ("tenant", "status", "channel")
    inlines = [MessageInline, SegmentInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
