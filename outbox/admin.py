from django.contrib import admin

from outbox.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "created_at", "sent_at", "done_at"]
    list_filter = ["task"]
    readonly_fields = ["task", "args", "kwargs", "created_at", "sent_at", "done_at"]

    def has_add_permission(self, request):
        return False
