"""Levels, medals and the device list (staff edit them); the credit ledger and medal awards, where staff
adjust a fan's credits and award medals through community.credits and community.medals, with a reason."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community import credits, devices, medals
from community.models import CreditEntry, Device, Level, Medal, MedalAward, Standing
from community.permissions import may_adjust_credits, may_award_medals
from fancity.lib.admin_actions import ReadOnlyAdmin


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = [
        "name", "name_en", "threshold", "first_day_threads", "first_day_replies",
        "may_post_links", "may_attach", "may_propose_meetup", "may_message_strangers",
    ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        credits.relevel_all()  # every fan's level follows the new thresholds

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        credits.relevel_all()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        credits.relevel_all()


@admin.register(Medal)
class MedalAdmin(admin.ModelAdmin):
    list_display = ["icon", "name", "name_en", "slug", "rule"]
    readonly_fields = ["rule"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        devices.forget_names()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        devices.forget_names()


class AdjustForm(forms.ModelForm):
    class Meta:
        model = CreditEntry
        fields = ["user", "amount", "note"]
        labels = {"note": _("Why (the fan sees it in their history)")}


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    """The ledger: read-only, except that staff add an adjustment (community.credits.adjust)."""

    list_display = ["created_at", "user", "amount", "reason", "ref", "note", "staff", "reversed"]
    list_filter = ["reason"]
    search_fields = ["user__username", "note"]
    raw_id_fields = ["user"]
    form = AdjustForm

    def has_add_permission(self, request):
        return may_adjust_credits(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:  # viewing an entry: every field, read-only
            kwargs["fields"] = ["user", "amount", "reason", "ref", "note", "staff", "created_at"]
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            entry = credits.adjust(request.user, obj.user, obj.amount, obj.note)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return
        obj.pk = entry.pk


class AwardForm(forms.ModelForm):
    class Meta:
        model = MedalAward
        fields = ["user", "medal", "reason"]


@admin.register(MedalAward)
class MedalAwardAdmin(admin.ModelAdmin):
    """Medals fans hold. Staff award one with a reason (community.medals.award) or take one back."""

    list_display = ["user", "medal", "awarded_at", "awarded_by", "reason", "shown_position"]
    list_filter = ["medal"]
    search_fields = ["user__username", "reason"]
    raw_id_fields = ["user"]
    form = AwardForm

    def has_add_permission(self, request):
        return may_award_medals(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return may_award_medals(request.user) and super().has_view_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            medals.award(request.user, obj.user, obj.medal, obj.reason)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return
        obj.pk = MedalAward.objects.get(user=obj.user, medal=obj.medal).pk

    def delete_model(self, request, obj):
        medals.take_back(request.user, obj.user, obj.medal)

    def delete_queryset(self, request, queryset):
        for award in queryset.select_related("user", "medal"):
            medals.take_back(request.user, award.user, award.medal)


@admin.register(Standing)
class StandingAdmin(ReadOnlyAdmin):
    list_display = ["user", "credits", "level"]
    search_fields = ["user__username"]
    list_select_related = ["user", "level"]
