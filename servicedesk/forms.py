from django import forms
from django.utils.translation import gettext_lazy as _

from forum.posting import MAX_BODY


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer (posted in the thread)"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 6})
    )
