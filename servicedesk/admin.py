"""The service desk in the Django admin: rules, settings, and the same queue as /staff/queue/."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fancity.lib.admin_actions import run_each
from servicedesk import claims
from servicedesk.models import (
    OPEN_STATES,
    BusinessHours,
    CannedReply,
    Channel,
    DeskSettings,
    Holiday,
    Rule,
    SlaEvent,
    SlaTarget,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    TicketNote,
)


class RuleForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where the rule applies: forum feedback, private requests, WeChat messages."),
    )

    class Meta:
        model = Rule
        fields = "__all__"


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ["name", "priority", "escalate", "team", "has_reply", "is_active", "updated_at"]
    list_editable = ["priority", "is_active"]
    list_filter = ["is_active", "escalate"]
    search_fields = ["name", "phrases"]
    filter_horizontal = ["boards", "tags"]
    list_select_related = ["team"]

    @admin.display(boolean=True, description=_("automatic reply"))
    def has_reply(self, rule):
        return bool(rule.reply_template.strip())


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "updated_at"]
    list_filter = ["language"]
    search_fields = ["title", "body"]


@admin.register(DeskSettings)
class DeskSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not DeskSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("open", _("Waiting for staff")), ("all", _("All tickets"))]

    def choices(self, changelist):
        # "Waiting for staff" is the default, so the admin opens on the queue.
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "open") == value,
                "display": label,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
            }

    def queryset(self, request, queryset):
        if (self.value() or "open") == "open":
            return queryset.filter(escalated_at__isnull=False, state__in=OPEN_STATES)
        return queryset


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    fields = readonly_fields = ("at", "kind", "actor", "from_state", "to_state")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TicketNoteInline(admin.TabularInline):
    """Internal notes, read only here (staff write them on the ticket page)."""

    model = TicketNote
    fields = readonly_fields = ("created_at", "author", "body")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "thread_link",
        "state",
        "priority",
        "waiting",
        "rule_name",
        "reason",
        "city",
        "claimed_by",
        "answered_at",
    ]
    list_filter = [QueueFilter, "state", "priority", "reason", "team"]
    list_select_related = ["thread", "request", "city", "claimed_by"]
    ordering = ["-priority", "created_at"]
    search_fields = ["thread__title", "request__subject"]
    actions = ["claim", "hand_back"]
    readonly_fields = [f.name for f in Ticket._meta.fields if f.name != "search"] + ["tags"]
    inlines = [TicketEventInline, TicketNoteInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("subject"))
    def thread_link(self, ticket):
        """The thread's title, or the private request's subject (a ticket has one or the other)."""
        return format_html('<a href="{}">{}</a>', reverse("servicedesk:ticket", args=[ticket.pk]), ticket.subject)

    @admin.display(description=_("waiting"))
    def waiting(self, ticket):
        start = ticket.waiting_since or ticket.created_at
        answered = ticket.thread.first_staff_reply_at if ticket.thread_id else ticket.answered_at
        end = timezone.now() if ticket.is_open else answered or timezone.now()
        minutes = max(int((end - start).total_seconds() // 60), 0)
        target = DeskSettings.load().target_minutes
        late = ticket.is_open and minutes > target
        text = ngettext("%(n)d min", "%(n)d min", minutes) % {"n": minutes}
        # Bold, not red: the CSP allows no style attributes.
        return format_html("<strong>{}</strong>", text) if late else text

    @admin.action(description=_("Claim the selected items"))
    def claim(self, request, queryset):
        run_each(self, request, queryset.select_related("thread"), lambda ticket: claims.claim(request.user, ticket.pk))

    @admin.action(description=_("Hand the selected items back"))
    def hand_back(self, request, queryset):
        run_each(
            self, request, queryset.select_related("thread"), lambda ticket: claims.hand_back(request.user, ticket.pk)
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en"]
    search_fields = ["name", "name_en"]
    filter_horizontal = ["members"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ["priority", "response_minutes", "resolution_minutes", "warn_minutes", "around_the_clock"]


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "opens", "closes"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["day", "name"]
    date_hierarchy = "day"


@admin.register(SlaEvent)
class SlaEventAdmin(admin.ModelAdmin):
    list_display = ["at", "ticket", "target", "stage", "due_at", "priority", "team", "agent"]
    list_filter = ["stage", "target", "priority", "team"]
    list_select_related = ["ticket", "team", "agent"]
    readonly_fields = [f.name for f in SlaEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
