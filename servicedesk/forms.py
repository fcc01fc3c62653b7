from django import forms
from django.utils.translation import gettext_lazy as _

from fancity.lib.choices import set_choices
from forum.forms import images_field, logs_field
from forum.writing.limits import MAX_BODY, MAX_TITLE
from servicedesk.annotations import tag_name
from servicedesk.queries import QueueSearch


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
    images = images_field()
    logs = logs_field()


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


class QueueSearchForm(forms.Form):
    """The queue's search and filters, read from the URL (unknown or hostile values are dropped)."""

    scope = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All open")), ("mine", _("Mine")), ("team", _("My team's")), ("unassigned", _("Unassigned"))],
    )
    q = forms.CharField(label=_("Words in the fan's text"), required=False, max_length=200)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    agent = forms.IntegerField(label=_("Agent"), required=False, min_value=1, max_value=2**63 - 1)
    team = forms.IntegerField(label=_("Team"), required=False, min_value=1, max_value=2**63 - 1)
    rule = forms.IntegerField(label=_("Rule"), required=False, min_value=1, max_value=2**63 - 1)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Open (new, claimed, reopened)")),
            ("new", _("New")),
            ("claimed", _("Claimed")),
            ("reopened", _("Reopened")),
            ("answered", _("Answered, waiting for the fan")),
            ("solved", _("Solved")),
            ("all", _("Any state")),
        ],
    )
    older_than_hours = forms.IntegerField(label=_("Older than (hours)"), required=False, min_value=1, max_value=100_000)
    breached = forms.BooleanField(label=_("Past a service level target"), required=False)

    def search(self) -> QueueSearch:
        self.is_valid()  # an invalid field is dropped; the valid ones stay in cleaned_data
        data = self.cleaned_data
        return QueueSearch(
            scope=data.get("scope") or "",
            q=(data.get("q") or "").strip(),
            tag=tag_name(data.get("tag") or ""),
            agent=data.get("agent"),
            team=data.get("team"),
            rule=data.get("rule"),
            state=data.get("state") or "",
            older_than_hours=data.get("older_than_hours"),
            breached=bool(data.get("breached")),
        )


class SaveViewForm(forms.Form):
    name = forms.CharField(label=_("Name of this view"), max_length=60)
    query = forms.CharField(widget=forms.HiddenInput, max_length=500, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Internal note (staff only, never shown to the fan)"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TicketDetailsForm(forms.Form):
    """Assignment, tags and fields of one ticket, edited together on the ticket page."""

    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    tags = forms.CharField(label=_("Tags (separated by commas)"), required=False, max_length=500)
    device_model = forms.CharField(label=_("Device model"), required=False, max_length=80)
    system_version = forms.CharField(label=_("System version"), required=False, max_length=40)
    order_number = forms.CharField(label=_("Order number"), required=False, max_length=40)

    def __init__(self, *args, agents=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "agent", [("", _("Nobody"))] + [(a.pk, a.public_name) for a in agents])
        set_choices(self, "team", [("", _("No team"))] + [(t.pk, t.label) for t in teams])


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge into the item number"), min_value=1, max_value=2**63 - 1)
    confirm = forms.BooleanField(
        label=_("Yes, close this item and move its conversation into the other one"), required=True
    )
