from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from forum.models import FeedbackKind, FeedbackStatus
from forum.posting import MAX_BODY, MAX_TITLE

BODY_HELP = _(
    "Markdown: **bold**, *italic*, ~~struck out~~, [link](https://…) or just https://…, ![image](https://…), "
    "> quote, `code`, | tables |. Mention someone with @username."
)


TOO_LONG = _(
    "A post can have at most %(limit_value)d characters; this one has %(show_value)d. "
    "Shorten it or split it into two posts."
)


class BodyField(forms.CharField):
    """A post's Markdown: at most MAX_BODY characters (also for previews), with a message that says so."""

    def __init__(self, **kwargs):
        super().__init__(
            label=_("Text"),
            max_length=MAX_BODY,
            help_text=BODY_HELP,
            widget=forms.Textarea(attrs={"rows": 8}),
            **kwargs,
        )
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        self.validators.append(MaxLengthValidator(MAX_BODY, message=TOO_LONG))

    def to_python(self, value):
        # Browsers send a textarea's line breaks as CRLF but count them as one character against
        # its maxlength: count them as the fan does.
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = BodyField()


class FeedbackThreadForm(ThreadForm):
    feedback_kind = forms.ChoiceField(label=_("Kind"), choices=FeedbackKind.choices, initial=FeedbackKind.BUG)
    device_model = forms.CharField(label=_("Device model (optional)"), max_length=80, required=False)
    software_version = forms.CharField(label=_("Software version (optional)"), max_length=80, required=False)
    field_order = ["feedback_kind", "title", "device_model", "software_version", "body"]


class ReplyForm(forms.Form):
    body = BodyField()
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput)
    official = forms.BooleanField(label=_("Mark as the official answer"), required=False)


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE, required=False)
    body = BodyField()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FeedbackStatus.choices)
    note = forms.CharField(label=_("Note (shown in the thread)"), max_length=500, required=False)
    duplicate_of = forms.IntegerField(label=_("Duplicate of thread number"), required=False, min_value=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


BAN_CHOICES = [("1", _("1 day")), ("7", _("7 days")), ("30", _("30 days")), ("forever", _("For good"))]


class BanForm(ReasonForm):
    duration = forms.ChoiceField(label=_("Duration"), choices=BAN_CHOICES, initial="7")


class MoveForm(forms.Form):
    board = forms.ModelChoiceField(label=_("Move to board"), queryset=None)

    def __init__(self, *args, boards=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards
