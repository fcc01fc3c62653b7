"""The forum in the Django admin. Writes that have rules go through the forum's functions."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_desk_staff
from fancity.lib.admin_actions import ReadOnlyAdmin, run_each
from forum import permissions
from forum.models import (
    Board,
    BoardModerator,
    FeedbackStatus,
    HeldPost,
    ModerationAction,
    Post,
    Report,
    StatusChange,
    Thread,
)
from forum.moderation import moderate
from forum.writing import feedback


class BoardModeratorInline(admin.TabularInline):
    """Staff appoint a board's own moderators (版主) here; they moderate this board only."""

    model = BoardModerator
    extra = 1
    raw_id_fields = ["user"]
    readonly_fields = ["appointed_at"]


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind", "position", "thread_count", "post_count", "last_post_at"]
    list_filter = ["kind"]
    list_editable = ["position"]
    search_fields = ["name", "name_en", "slug"]
    readonly_fields = ["thread_count", "post_count", "last_post_at", "last_thread", "last_poster"]
    raw_id_fields = ["city"]
    inlines = [BoardModeratorInline]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["changed_at", "changed_by", "from_status", "to_status", "note"]

    def has_add_permission(self, request, obj=None):
        return False


def _status_action(status):
    @admin.action(description=_("Set feedback status: %(status)s") % {"status": FeedbackStatus(status).label})
    def action(modeladmin, request, queryset):
        note = str(_("Changed in the admin"))
        run_each(
            modeladmin,
            request,
            queryset.exclude(status=""),
            lambda thread: feedback.change_feedback_status(request.user, thread, status, note=note),
        )

    action.__name__ = f"set_status_{status}"
    return action


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "board",
        "author",
        "status",
        "me_too_count",
        "reply_count",
        "is_pinned",
        "is_locked",
        "last_post_at",
        "time_to_first_staff_reply",
    ]
    list_filter = ["board__kind", "status", "feedback_kind", "is_pinned", "is_locked"]
    search_fields = ["title"]
    raw_id_fields = ["author", "last_poster", "duplicate_of", "official_post", "board"]
    readonly_fields = [
        "status",
        "duplicate_of",
        "official_post",
        "post_count",
        "reply_count",
        "view_count",
        "me_too_count",
        "first_staff_reply_at",
        "time_to_first_staff_reply",
        "last_post_at",
        "last_poster",
        "board",
        "author",
        "created_at",
    ]
    fields = [
        "title",
        "board",
        "author",
        "created_at",
        "is_pinned",
        "is_locked",
        "feedback_kind",
        "device_model",
        "software_version",
        "status",
        "duplicate_of",
        "official_post",
        "me_too_count",
        "post_count",
        "reply_count",
        "view_count",
        "last_post_at",
        "last_poster",
        "first_staff_reply_at",
        "time_to_first_staff_reply",
    ]
    inlines = [StatusChangeInline]
    list_select_related = ["board", "author"]
    actions = [
        "pin",
        "unpin",
        "lock",
        "unlock",
        *[_status_action(s) for s in FeedbackStatus.values if s != FeedbackStatus.DUPLICATE],
    ]
    show_full_result_count = False

    @admin.action(description=_("Pin"))
    def pin(self, request, queryset):
        run_each(self, request, queryset, lambda thread: moderate.set_pinned(request.user, thread, True))

    @admin.action(description=_("Unpin"))
    def unpin(self, request, queryset):
        run_each(self, request, queryset, lambda thread: moderate.set_pinned(request.user, thread, False))

    @admin.action(description=_("Lock"))
    def lock(self, request, queryset):
        run_each(self, request, queryset, lambda thread: moderate.set_locked(request.user, thread, True))

    @admin.action(description=_("Unlock"))
    def unlock(self, request, queryset):
        run_each(self, request, queryset, lambda thread: moderate.set_locked(request.user, thread, False))

    def has_add_permission(self, request):
        return False  # threads are started on the site, through forum.writing.posting

    def get_actions(self, request):
        """The feedback workflow is the service desk's (forum.writing.feedback): not offered to anyone else."""
        actions = super().get_actions(request)
        if not is_desk_staff(request.user):
            actions = {name: action for name, action in actions.items() if not name.startswith("set_status_")}
        return actions


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "created_at", "by_staff", "like_count", "deleted_at", "hidden_at"]
    list_filter = ["by_staff"]
    raw_id_fields = ["thread", "author", "quote", "hidden_by"]
    readonly_fields = [
        "thread",
        "floor",
        "author",
        "body",
        "by_staff",
        "quote",
        "created_at",
        "edited_at",
        "deleted_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
        "like_count",
    ]
    exclude = ["html"]
    list_select_related = ["author"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "post_link", "post_author", "reporter", "reason", "resolved_at", "resolution"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["post", "post__author", "reporter", "post__thread"]
    readonly_fields = ["post", "reporter", "reason", "created_at", "resolved_at", "resolved_by", "resolution"]
    actions = ["hide_posts", "dismiss", "ban_authors_week"]

    @admin.display(description=_("post"))
    def post_link(self, report):
        return format_html(
            '<a href="{}">{}</a><br>{}',
            report.post.get_absolute_url(),
            report.post.thread.title,
            report.post.body[:200],
        )

    @admin.display(description=_("author"))
    def post_author(self, report):
        return report.post.author

    @admin.action(description=_("Hide the reported posts"))
    def hide_posts(self, request, queryset):
        reports = queryset.select_related("post__thread__board", "post__author")
        run_each(self, request, reports, lambda report: moderate.hide_post(request.user, report.post, report.reason))

    @admin.action(description=_("Dismiss the reports"))
    def dismiss(self, request, queryset):
        resolution = str(_("Dismissed"))
        run_each(self, request, queryset, lambda report: moderate.resolve_report(request.user, report, resolution))

    @admin.action(description=_("Ban the authors for 7 days and hide the posts"))
    def ban_authors_week(self, request, queryset):
        def ban_and_hide(report):
            if permissions.may_ban(request.user, report.post.author, report.post.thread.board):
                moderate.ban_author(request.user, report.post, report.reason, 7)
            moderate.hide_post(request.user, report.post, report.reason)

        run_each(self, request, queryset.select_related("post__thread__board", "post__author"), ban_and_hide)

    def has_add_permission(self, request):
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The moderation log, read-only: rows are written by forum/moderation/moderate.py as moderators act."""

    list_display = ["created_at", "kind", "moderator", "board", "thread", "post", "fan", "reason", "detail"]
    list_filter = ["kind", "board__kind"]
    search_fields = ["moderator__username", "fan__username", "reason"]
    raw_id_fields = ["moderator", "board", "thread", "post", "fan"]
    list_select_related = ["moderator", "board", "thread", "post", "fan"]
    show_full_result_count = False


@admin.register(HeldPost)
class HeldPostAdmin(admin.ModelAdmin):
    """Posts held by the sensitive-word filter; moderators approve them on the site's moderation page."""

    list_display = ["created_at", "board", "author", "title", "words", "decided_at", "approved"]
    list_filter = [("decided_at", admin.EmptyFieldListFilter), "approved"]
    raw_id_fields = ["board", "thread", "author", "quote", "decided_by", "post"]
    list_select_related = ["board", "author"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
