from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import wordfilter
from accounts.models import City, NotificationKind, User
from accounts.roles import is_desk_staff
from fancity.lib.choices import set_choices


class CityField(forms.CharField):
    """A searchable city box: the fan types and picks from a datalist; any of the names work."""

    default_error_messages = {"unknown": _("We do not know the city “%(value)s”. Pick one from the list.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Home city"))
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "city-options", "autocomplete": "off"})

    def prepare_value(self, value):
        if isinstance(value, City):
            return str(value)
        if isinstance(value, int):
            city = City.objects.filter(pk=value).first()
            return str(city) if city else ""
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        wanted = text.strip().lower()
        for city in City.objects.all():
            if wanted in {str(city).lower(), city.name.lower(), city.name_en.lower(), city.slug}:
                return city
        raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"value": text[:40]})


class AvatarInput(forms.ClearableFileInput):
    """The avatar box: the current avatar as a picture (Django's shows its file path), a labelled box
    to remove it, and the file input under a label of our own (Django's is a bare "修改:")."""

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)["widget"]
        file_input = format_html(
            '<input type="file" name="{}" id="{}" accept="image/*" class="file-input">', name, context["attrs"]["id"]
        )
        choose = format_html(
            '<label class="file-choose" for="{}">{}</label>',
            context["attrs"]["id"],
            _("Choose a new picture") if context["is_initial"] else _("Choose a picture"),
        )
        if not context["is_initial"]:
            return format_html('<span class="avatar-input">{}{}</span>', choose, file_input)
        return format_html(
            '<span class="avatar-input"><img src="{}" alt="" width="48" height="48" class="avatar">'
            '<span class="avatar-clear"><input type="checkbox" name="{}" id="{}"> <label for="{}">{}</label></span>'
            "{}{}</span>",
            value.url,
            context["checkbox_name"],
            context["checkbox_id"],
            context["checkbox_id"],
            _("Remove my avatar"),
            choose,
            file_input,
        )


def _screened(value: str, field_name: str) -> str:
    """A bio through the sensitive-word filter: masked, or refused with a message."""
    try:
        return wordfilter.clean_profile_text(value, field_name)
    except forms.ValidationError as error:
        raise forms.ValidationError(error.message_dict[field_name]) from None


class SignupForm(forms.Form):
    """Extra sign-up fields that allauth shows after its own (email, username, password)."""

    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    city = CityField()

    def clean_display_name(self):
        return wordfilter.clean_name(self.cleaned_data["display_name"])

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.city = self.cleaned_data["city"]
        user.save(update_fields=["display_name", "city"])


class SettingsForm(forms.ModelForm):
    city = CityField()
    email_kinds = forms.MultipleChoiceField(
        label=_("Email me about"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = User
        fields = ["display_name", "city", "bio", "avatar", "language"]
        widgets = {"avatar": AvatarInput}
        help_texts = {"avatar": _("An image of up to 2 MB; it is shown as a circle.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["email_kinds"] = [k for k in NotificationKind.values if k not in self.instance.muted_emails]
        if not is_desk_staff(self.instance):  # the desk's notices go to the desk only
            set_choices(self, "email_kinds", [c for c in NotificationKind.choices if c[0] != NotificationKind.STAFF])

    def save(self, commit=True):
        self.instance.muted_emails = [k for k in NotificationKind.values if k not in self.cleaned_data["email_kinds"]]
        return super().save(commit)

    def clean_display_name(self):
        return wordfilter.clean_name(self.cleaned_data["display_name"])

    def clean_bio(self):
        return _screened(self.cleaned_data["bio"], "bio")

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if avatar and getattr(avatar, "size", 0) > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The avatar may be at most 2 MB."))
        return avatar


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(label=_("Type your username to confirm"), max_length=150)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm(self):
        if self.cleaned_data["confirm"] != self.user.username:
            raise forms.ValidationError(_("That is not your username."))
        return self.cleaned_data["confirm"]
