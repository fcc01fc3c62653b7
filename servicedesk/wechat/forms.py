from django import forms
from django.utils.translation import gettext_lazy as _


class LinkForm(forms.Form):
    code = forms.CharField(
        label=_("Link code from WeChat"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
