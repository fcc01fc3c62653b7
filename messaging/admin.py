"""Reported messages, for moderators: the reported message alone, never its conversation."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from messaging.models import MessageReport
from messaging.permissions import may_handle_reports


@admin.register(MessageReport)
class MessageReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "reporter", "reason", "resolved_at"]
    readonly_fields = ["message_body", "message_sender", "reporter", "reason", "created_at"]
    fields = ["message_sender", "message_body", "reporter", "reason", "created_at", "resolution"]

    @admin.display(description=_("message"))
    def message_body(self, obj):
        return obj.message.body

    @admin.display(description=_("sender"))
    def message_sender(self, obj):
        return obj.message.sender

    def has_module_permission(self, request):
        return may_handle_reports(request.user)

    def has_view_permission(self, request, obj=None):
        return may_handle_reports(request.user)

    def has_change_permission(self, request, obj=None):
        return may_handle_reports(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
