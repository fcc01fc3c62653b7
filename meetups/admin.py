from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from fancity.lib.admin_actions import ReadOnlyAdmin, refusal_text, run_each
from meetups import (
    capacity,
    checkin,
    draw,
    launch_admin,  # noqa: F401  (registers the large events)
    mailtemplates,
    proposals,
    publishing,
    queries,
    registration,
    selection,
)
from meetups.export import attendees_csv
from meetups.locking import RegistrationError
from meetups.models import (
    Answer,
    AttendeeMessage,
    CitySnapshot,
    DoorEntry,
    MailTemplate,
    Meetup,
    Question,
    Registration,
    SchedulerSettings,
    TicketTransfer,
)


class RejectProposalsForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the proposer reads it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


def _run(modeladmin, request, queryset, function, done_message):
    """Call a meetups function per selected object; report each refusal and go on with the next one."""
    run_each(modeladmin, request, queryset, lambda obj: function(request.user, obj), done_message, (RegistrationError,))


class QuestionInline(admin.TabularInline):
    """The registration form's questions, asked in `position` order (answers: meetups.registration)."""

    model = Question
    extra = 0
    fields = ["position", "label", "kind", "options", "required"]
    ordering = ["position", "pk"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 30})}}


@admin.register(Meetup)
class MeetupAdmin(admin.ModelAdmin):
    list_display = ["title", "city", "starts_at", "kind", "status", "approval", "mode", "capacity"]
    list_filter = ["status", "kind", "approval", "mode", ("starts_at", admin.DateFieldListFilter), "city"]
    list_select_related = ["city"]
    search_fields = ["title", "city__name", "city__name_en", "venue"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["city"]
    raw_id_fields = ["proposed_by"]
    readonly_fields = [
        "fortnight_key",
        "drawn_at",
        "published_at",
        "announcement_url",
        "proposed_by",
        "approval",
        "draw_commitment",
        "sequence",
        "change_reason",
        "staff_page",
        "registrations_link",
        "door_figures",
    ]
    # The registrations have their own list (5,000 inline rows would take seconds to render): the
    # change page links to it, filtered by the meetup, with the counts per state.
    inlines = [QuestionInline]
    actions = [
        "publish",
        "close_registration",
        "run_draw",
        "promote_waiting",
        "export_attendees",
        "approve_proposals",
        "reject_proposals",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "city",
                    "kind",
                    "status",
                    "approval",
                    "proposed_by",
                    "staff_page",
                    "registrations_link",
                    "door_figures",
                ]
            },
        ),
        (_("Time and place"), {"fields": ["starts_at", "ends_at", "venue", "address", "agenda"]}),
        (
            _("Registration"),
            {
                "fields": [
                    "mode",
                    "capacity",
                    "capacity_override",
                    "registration_opens_at",
                    "registration_closes_at",
                    "cancel_cutoff",
                    "question",
                    "draw_commitment",
                    "late_promotion_hours",
                    "late_confirm_hours",
                    "max_guests",
                    "allow_transfer",
                ]
            },
        ),
        (
            _("Record"),
            {"fields": ["fortnight_key", "drawn_at", "published_at", "announcement_url", "sequence", "change_reason"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Meetup.Status.DRAFT:
            fields += ["status", "kind", "mode"]  # change these only through the actions
        return fields

    @admin.display(description=_("Cancel, reschedule, message"))
    def staff_page(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("meetups:manage", args=[obj.pk]), _("Open the staff page"))

    @admin.display(description=_("Registrations"))
    def registrations_link(self, obj):
        """Counts per state (one grouped query) and a link to the registrations list of this meetup."""
        if obj is None or obj.pk is None:
            return "—"
        counts = dict(Registration.objects.filter(meetup=obj).order_by().values_list("state").annotate(n=Count("pk")))
        labels = dict(Registration.State.choices)
        summary = format_html_join(
            " · ", "{}: {}", ((labels[state], counts[state]) for state in labels if counts.get(state))
        )
        url = reverse("admin:meetups_registration_changelist") + f"?meetup__id__exact={obj.pk}"
        return format_html(
            '<a href="{}" id="registrations-link">{}</a> {}',
            url,
            _("%(n)s registrations") % {"n": sum(counts.values())},
            format_html("({})", summary) if counts else "",
        )

    @admin.display(description=_("At the door"))
    def door_figures(self, obj):
        """Checked in, expected and no-shows so far (one query), kept up to date on the page by
        static/meetups/door-stats.js; links to the door and its log."""
        if obj is None or obj.pk is None:
            return "—"
        figures = render_to_string("meetups/_door_stats.html", {"meetup": obj, "stats": queries.door_stats(obj)})
        log = reverse("admin:meetups_doorentry_changelist") + f"?meetup__id__exact={obj.pk}"
        return format_html(
            '{}<a href="{}">{}</a> · <a href="{}">{}</a>',
            figures,
            reverse("meetups:check_in", args=[obj.pk]),
            _("Open the door"),
            log,
            _("Door log"),
        )

    class Media:
        js = ["meetups/door-stats.js"]

    def save_model(self, request, obj, form, change):
        """An existing meetup saves only its form's fields; its capacity changes through meetups.capacity.

        The capacity (and its override) are never written from the form: `change_capacity` sets them
        under the meetup's lock and promotes waiting fans, so no newcomer takes a new seat first.
        A published meetup's announcement threads then follow what changed (publishing.refresh_announcements).
        """
        if not change:
            return super().save_model(request, obj, form, change)
        self._save_existing(request, obj, form)
        if publishing.ANNOUNCED_FIELDS & set(form.changed_data):
            try:
                publishing.refresh_announcements(request.user, obj)
            except (RegistrationError, PermissionDenied, ValidationError) as error:
                self.message_user(request, refusal_text(error), messages.WARNING)
        return None

    def _save_existing(self, request, obj, form):
        seat_fields = {"capacity", "capacity_override"}
        new, override = obj.capacity, obj.capacity_override
        names = {f.name for f in obj._meta.concrete_fields}
        obj.save(update_fields=[name for name in form.fields if name in names and name not in seat_fields])
        if not seat_fields & set(form.changed_data):
            return
        try:
            promoted = capacity.change_capacity(request.user, obj, new, override)
        except (RegistrationError, PermissionDenied) as error:
            self.message_user(request, refusal_text(error), messages.ERROR)
        else:
            if promoted:
                self.message_user(
                    request,
                    _("%(n)s fans were promoted from the waiting list.") % {"n": len(promoted)},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Publish (announce in the forum, notify the city's fans)"), permissions=["change"])
    def publish(self, request, queryset):
        _run(self, request, queryset, publishing.publish_meetup, _("Published %(n)s meetups."))

    @admin.action(description=_("Close registration"), permissions=["change"])
    def close_registration(self, request, queryset):
        _run(self, request, queryset, registration.close_registration, _("Closed registration for %(n)s meetups."))

    @admin.action(description=_("Run the draw"), permissions=["change"])
    def run_draw(self, request, queryset):
        _run(self, request, queryset, draw.run_draw, _("Ran the draw for %(n)s meetups."))

    @admin.action(description=_("Promote from the waiting list into free seats"), permissions=["change"])
    def promote_waiting(self, request, queryset):
        _run(self, request, queryset, registration.promote_from_waiting_list, _("Checked %(n)s meetups."))

    @admin.action(description=_("Approve fan proposals (and publish them)"), permissions=["change"])
    def approve_proposals(self, request, queryset):
        _run(self, request, queryset, proposals.approve_proposal, _("Approved %(n)s proposals."))

    @admin.action(description=_("Reject fan proposals"), permissions=["change"])
    def reject_proposals(self, request, queryset):
        """A second page asks for the reason the proposers read; it is sent with the rejection."""
        form = RejectProposalsForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            _run(
                self,
                request,
                queryset,
                lambda staff, meetup: proposals.reject_proposal(staff, meetup, reason),
                _("Rejected %(n)s proposals."),
            )
            return None
        return TemplateResponse(
            request,
            "admin/meetups/reject_proposals.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Reject proposals"),
                "meetups": queryset,
                "form": form,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Export attendees (CSV)"), permissions=["view"])
    def export_attendees(self, request, queryset):
        if not request.user.has_perm("meetups.view_answer"):
            raise PermissionDenied  # the CSV holds the fans' answers, private to event staff
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="attendees.csv"'
        attendees_csv(request.user, queryset, response)
        return response


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = readonly_fields = ("question", "value")

    def has_add_permission(self, request, obj=None):
        return False  # answers are written with the registration (meetups.registration)

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["meetup", "order", "fan", "state", "draw_weight", "created_at", "checked_in_at"]
    list_filter = ["state", ("meetup", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["meetup", "fan"]
    raw_id_fields = ["meetup", "fan"]
    inlines = [AnswerInline]
    list_per_page = 100
    search_fields = ["fan__username", "fan__display_name", "ticket_code", "meetup__title"]
    ordering = ["meetup", "order"]
    readonly_fields = [
        "meetup",
        "fan",
        "state",
        "order",
        "answer",
        "draw_weight",
        "ticket_code",
        "created_at",
        "confirmed_at",
        "cancelled_at",
        "checked_in_at",
        "reminded_at",
    ]
    actions = ["select", "reject", "check_in"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def _by_meetup(self, request, queryset, function, done_message):
        for meetup in Meetup.objects.filter(pk__in=queryset.values("meetup_id")):
            ids = [r.pk for r in queryset if r.meetup_id == meetup.pk]
            try:
                done = function(request.user, meetup, ids)
            except (RegistrationError, ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{meetup}: {refusal_text(error)}", messages.ERROR)
            else:
                n = len(done) if isinstance(done, list) else done
                self.message_user(request, done_message % {"n": n, "meetup": meetup}, messages.SUCCESS)

    @admin.action(description=_("Confirm selected applicants (staff selection)"), permissions=["change"])
    def select(self, request, queryset):
        self._by_meetup(request, queryset, selection.select_applicants, _("%(meetup)s: confirmed %(n)s fans."))

    @admin.action(description=_("Reject selected applicants"), permissions=["change"])
    def reject(self, request, queryset):
        self._by_meetup(request, queryset, selection.reject_applicants, _("%(meetup)s: rejected %(n)s fans."))

    @admin.action(description=_("Check in selected fans"), permissions=["change"])
    def check_in(self, request, queryset):
        """Through the door's rules (meetups.checkin): refused, with the door's reason, outside its hours."""
        self._by_meetup(request, queryset, checkin.check_in_registrations, _("%(meetup)s: checked in %(n)s fans."))


@admin.register(CitySnapshot)
class CitySnapshotAdmin(admin.ModelAdmin):
    list_display = ["day", "rank", "city", "active_fans", "all_fans", "ratio"]
    list_filter = [("day", admin.DateFieldListFilter)]
    list_select_related = ["city"]
    search_fields = ["city__name", "city__name_en"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SchedulerSettings)
class SchedulerSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "no_repeat_days", "weeks_ahead", "weekday", "start_time", "capacity"]

    def has_add_permission(self, request):
        return not SchedulerSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AttendeeMessage)
class AttendeeMessageAdmin(ReadOnlyAdmin):
    """The log of messages to attendees: sent from the meetup's staff page (meetups.messaging)."""

    list_display = ["sent_at", "meetup", "sent_by", "audience", "recipients", "text"]
    list_filter = ["audience", ("sent_at", admin.DateFieldListFilter)]
    list_select_related = ["meetup", "sent_by"]
    search_fields = ["meetup__title", "text", "sent_by__username"]
    readonly_fields = ["meetup", "sent_by", "audience", "text", "recipients", "sent_at"]
    show_full_result_count = False


@admin.register(DoorEntry)
class DoorEntryAdmin(ReadOnlyAdmin):
    """The door log: every check-in (online or synced from an offline phone), undo and conflict, with
    who did it (meetups.checkin). Written only by the door; read only here."""

    list_display = ["recorded_at", "at", "meetup", "registration", "action", "by", "offline"]
    list_filter = ["action", "offline", ("recorded_at", admin.DateFieldListFilter)]
    list_select_related = ["meetup", "registration__fan", "registration__meetup", "by"]
    search_fields = ["meetup__title", "registration__fan__username", "by__username"]
    readonly_fields = ["meetup", "registration", "action", "by", "at", "recorded_at", "offline", "scan_id"]
    show_full_result_count = False


@admin.register(TicketTransfer)
class TicketTransferAdmin(ReadOnlyAdmin):
    """Places fans gave to friends (meetups.transfers): read only, the record of who gave to whom."""

    list_display = ["created_at", "meetup", "from_fan", "to_fan", "state", "decided_at"]
    list_filter = ["state", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["meetup", "from_fan", "to_fan"]
    search_fields = ["meetup__title", "from_fan__username", "to_fan__username"]
    readonly_fields = ["registration", "meetup", "from_fan", "to_fan", "state", "created_at", "decided_at"]
    show_full_result_count = False


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin):
    """Meetup mails in event staff's words, per language; where there is none (or it does not
    render) fans get the built-in text. The preview renders the saved template with example values."""

    list_display = ["kind", "language", "subject", "updated_at", "updated_by"]
    list_filter = ["kind", "language"]
    readonly_fields = ["fields_help", "preview", "updated_at", "updated_by"]
    fields = ["kind", "language", "fields_help", "subject", "body", "preview", "updated_at", "updated_by"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 14, "cols": 80})}}

    @admin.display(description=_("What the text may use"))
    def fields_help(self, obj):
        names = list(mailtemplates.FIELDS) + sorted({k for extra in mailtemplates.EXTRA.values() for k in extra})
        return format_html(
            "{}<br>{}",
            format_html_join(" ", "<code>{{{{ {} }}}}</code>", ((name,) for name in names)),
            _(
                "Tags: if, for, with, firstof, comment. Promotion, new time and cancelled are in-site "
                "notifications (mailed too): their text is the template's text, without a name."
            ),
        )

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return _("Save to see the preview.")
        subject, body, error = mailtemplates.preview(obj)
        if error:
            return format_html(
                '<p class="errornote" id="mail-preview-error">{}<br>{}</p>',
                _("This template does not render, so fans get the built-in text instead:"),
                error,
            )
        return format_html('<div id="mail-preview"><p><strong>{}</strong></p><pre>{}</pre></div>', subject, body)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
