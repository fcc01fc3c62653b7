from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import City, User


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "province", "slug"]
    search_fields = ["name", "name_en", "province", "province_en", "slug"]
    list_filter = ["province"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "display_name", "city", "last_active_on", "banned_until", "is_staff"]
    list_select_related = ["city"]
    search_fields = ["username", "email", "display_name", "city__name", "city__name_en"]
    list_filter = ["is_staff", "is_active", "groups"]
    autocomplete_fields = ["city"]
    show_full_result_count = False
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Fan"), {"fields": ["display_name", "city", "bio", "avatar", "language", "muted_emails", "last_active_on"]}),
        (_("Moderation"), {"fields": ["banned_until", "ban_reason", "deleted_at"]}),
    ]
    readonly_fields = ["last_active_on", "deleted_at"]
