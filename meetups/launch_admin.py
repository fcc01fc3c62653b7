"""Admin of large events: staff create a launch (its line and seed come with it) and watch its sign-ups."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from meetups import launches
from meetups.launch_models import Launch, Signup


@admin.register(Launch)
class LaunchAdmin(admin.ModelAdmin):
    list_display = ["title", "mode", "capacity", "allocated", "opens_at", "closes_at", "published"]
    list_filter = ["mode", "published"]
    search_fields = ["title"]
    fields = [
        "title",
        "description",
        "capacity",
        "mode",
        "opens_at",
        "closes_at",
        "require_verified_email",
        "min_account_days",
        "require_active",
        "published",
        "sign_up_counts",
        "draw_commitment",
        "drawn_at",
    ]
    readonly_fields = ["sign_up_counts", "draw_commitment", "drawn_at"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["mode"] if obj is not None and obj.pk else []  # the line and the seed were made for this mode
        return [*fixed, *self.readonly_fields]

    @admin.display(description=_("sign-ups"))
    def sign_up_counts(self, obj):
        if obj is None or not obj.pk:
            return "-"
        counts = launches.counts(obj)
        share = f"{counts.active_share:.1%}" if counts.active_share is not None else "-"
        return _(
            "%(signups)s sign-ups, %(active)s from active fans (%(share)s); "
            "%(won)s places given of %(capacity)s; %(pending)s still in line"
        ) % {
            "signups": f"{counts.signups:,}",
            "active": f"{counts.active:,}",
            "share": share,
            "won": f"{counts.won:,}",
            "capacity": f"{obj.capacity:,}",
            "pending": f"{counts.pending:,}",
        }

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            launches.create_launch(request.user, obj)


@admin.register(Signup)
class SignupAdmin(admin.ModelAdmin):
    list_display = ["number", "launch", "fan", "state", "active", "created_at", "decided_at"]
    list_filter = ["state", "active"]
    list_select_related = ["launch", "fan"]
    raw_id_fields = ["launch", "fan"]
    search_fields = ["=fan__username"]
    show_full_result_count = False
    ordering = ["launch", "number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
