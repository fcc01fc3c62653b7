from django import forms
from django.utils.translation import gettext_lazy as _

from forum.posting import MAX_BODY, MAX_TITLE


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer (posted in the thread)"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 6})
    )
    confirm = forms.BooleanField(label=_("Yes, answer although someone else holds this item"), required=False)


class RequestForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=MAX_TITLE)
    body = forms.CharField(
        label=_("Your message (order number, delivery, account: only you and our staff can read it)"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 4}))
