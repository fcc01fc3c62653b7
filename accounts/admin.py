from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts import wordfilter
from accounts.models import FANS, City, SensitiveWord, User, WordAction
from accounts.roles import ROLES, role_label
from fancity.lib.text import normalise

# The admin's own words that Django's Chinese catalogue leaves in English (the index's table heads, read
# out by screen readers): translated in ours.
ADMIN_WORDS = [gettext_noop("Model name"), gettext_noop("Add link"), gettext_noop("Change or view list link")]

admin.site.unregister(Group)


class _RoleChoiceField(forms.ModelMultipleChoiceField):
    """A fan's roles (groups), named in the reader's language."""

    def label_from_instance(self, obj):
        return role_label(obj.name)


class _Labelled:
    """A group as the admin's row checkbox names it: its pk and its name in the reader's language."""

    def __init__(self, pk, label):
        self.pk, self.label = pk, label

    def __str__(self):
        return self.label


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Groups with their names in the reader's language (accounts.roles.role_label). A role's name is what
    code finds it by, so it cannot be renamed here."""

    list_display = ["label"]
    change_form_template = "admin/auth/group/change_form.html"

    @admin.display(description=_("name"), ordering="name")
    def label(self, group):
        return role_label(group.name)

    def get_fields(self, request, obj=None):
        if obj is not None and obj.name in ROLES:
            return ["label", "permissions"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.name in ROLES:
            return ["label"]
        return super().get_readonly_fields(request, obj)

    def action_checkbox(self, group):
        # The admin only reads the object's pk and str(): the checkbox's label, in the reader's language.
        return super().action_checkbox(_Labelled(group.pk, role_label(group.name)))  # type: ignore[arg-type]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        group = self.get_object(request, object_id)
        label = role_label(group.name) if group else None
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "subtitle": label})


class GroupListFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(group.pk, role_label(group.name)) for group in Group.objects.order_by("name")]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "province", "slug"]
    search_fields = ["name", "name_en", "province", "province_en", "slug"]
    list_filter = ["province"]
    prepopulated_fields = {"slug": ["name_en"]}


class AccountKindFilter(admin.SimpleListFilter):
    """The list shows fans (accounts.models.FANS) unless staff ask for channel stand-ins or every account."""

    title = _("accounts")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("stand_in", _("Channel stand-ins")), ("all", _("All accounts, deleted ones too"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Fans"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        if self.value() == "stand_in":
            return queryset.filter(stand_in=True)
        return queryset.filter(FANS)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "display_name", "city", "last_active_on", "banned_until", "is_staff"]
    list_select_related = ["city"]
    search_fields = ["username", "email", "display_name", "city__name", "city__name_en"]
    list_filter = [AccountKindFilter, "is_staff", "is_active", ("groups", GroupListFilter)]
    autocomplete_fields = ["city"]
    show_full_result_count = False
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        (_("Fan"), {"fields": ["display_name", "city", "bio", "avatar", "language", "muted_emails", "last_active_on"]}),
        (_("Moderation"), {"fields": ["banned_until", "ban_reason", "deleted_at", "stand_in"]}),
    ]
    readonly_fields = ["last_active_on", "deleted_at", "stand_in"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["form_class"] = _RoleChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


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
