from django import forms
from django.utils.translation import gettext_lazy as _

from forum.writing.limits import MAX_BODY, MAX_TITLE


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


class RatingForm(forms.Form):
    """Did the answer help? `post` (a thread's answer) or `message` (a private request's) names the answer."""

    post = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    message = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    helpful = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))])
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=1000)

    def clean(self):
        data = self.cleaned_data
        if bool(data.get("post")) == bool(data.get("message")):
            raise forms.ValidationError(_("Say which answer you rate."))
        return data


class MoveForm(forms.Form):
    """Move a public feedback thread into a private request (the ticket page asks to confirm)."""

    public_title = forms.CharField(
        label=_("Public title (optional: replaces a title that shows personal data)"),
        required=False,
        max_length=MAX_TITLE,
    )
    confirm = forms.BooleanField(
        label=_("Yes, hide the thread from the public and continue privately with the fan"), required=True
    )
