from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import MAX_SHOWN_MEDALS
from fancity.lib.choices import set_choices


class DevicesForm(forms.Form):
    devices = forms.TypedMultipleChoiceField(
        label=_("The phones you use"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    main = forms.TypedChoiceField(label=_("Your main phone (shown beside your name)"), coerce=int, required=False)
    system_version = forms.CharField(label=_("System version of your main phone"), max_length=40, required=False)

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(d.pk, d.name) for d in offered]
        set_choices(self, "devices", choices)
        set_choices(self, "main", [("", "—"), *choices])


class ShownMedalsForm(forms.Form):
    medals = forms.TypedMultipleChoiceField(
        label=_("Medals shown under your name on posts (at most three)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, awards=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "medals", [(a.medal_id, f"{a.medal.icon} {a.medal.label}") for a in awards])

    def clean_medals(self):
        chosen = self.cleaned_data["medals"]
        if len(chosen) > MAX_SHOWN_MEDALS:
            raise forms.ValidationError(_("Choose at most %(n)d medals to show.") % {"n": MAX_SHOWN_MEDALS})
        return chosen
