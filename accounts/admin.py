from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts import wordfilter
from accounts.models import City, SensitiveWord, User, WordAction
from fancity.lib.text import normalise


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


class SensitiveWordForm(forms.ModelForm):
    class Meta:
        model = SensitiveWord
        fields = ["word", "action", "note"]

    def clean_word(self):
        word = self.cleaned_data["word"].strip()
        normalised = normalise(word)
        if not normalised:
            raise forms.ValidationError(_("Enter a word."))
        if SensitiveWord.objects.filter(normalised=normalised[:100]).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This word is already on the list."))
        return word


class ImportWordsForm(forms.Form):
    words = forms.CharField(
        label=_("Words, one per line"), widget=forms.Textarea(attrs={"rows": 16, "cols": 40}), max_length=2_000_000
    )
    action = forms.ChoiceField(label=_("action"), choices=WordAction.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):
    """The sensitive-word list (accounts/wordfilter.py): every change rebuilds the filter everywhere.

    "Import words" (a button above the list) adds a pasted list with one action: words already listed are
    skipped, and so are repeats (compared normalised, as the filter matches them)."""

    form = SensitiveWordForm
    change_list_template = "admin/accounts/sensitiveword/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_words)
        return [path("import/", view, name="accounts_sensitiveword_import"), *super().get_urls()]

    def import_words(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportWordsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                added, skipped = wordfilter.import_words(data["words"], data["action"], data["note"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(added)d words added, %(skipped)d skipped (already listed or repeated).")
                    % {"added": added, "skipped": skipped},
                )
                return redirect("admin:accounts_sensitiveword_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import sensitive words"),
        }
        return TemplateResponse(
            request, "admin/accounts/sensitiveword/import.html", context, status=400 if form.errors else 200
        )

    list_display = ["word", "action", "note", "updated_at"]
    list_filter = ["action"]
    search_fields = ["word", "normalised", "note"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        obj.normalised = normalise(obj.word)[:100]
        super().save_model(request, obj, form, change)
        wordfilter.list_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        wordfilter.list_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        wordfilter.list_changed()
