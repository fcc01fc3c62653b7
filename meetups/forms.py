from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from meetups.models import ANSWER_MAX, DEFAULT_CAPACITY, MAX_CAPACITY, MIN_CAPACITY, AttendeeMessage, Question


class RegisterForm(forms.Form):
    """The registration form: the meetup's old free question, then event staff's questions in order.

    Each question's field validates with `Question.clean_answer`, the rule register_for_meetup
    applies again before writing; errors are in the fan's language.
    """

    answer = forms.CharField(
        label=_("Your answer"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
    )

    def __init__(self, *args, questions: Iterable[Question] = (), max_guests: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        if max_guests:
            self.fields["guests"] = forms.TypedChoiceField(
                label=_("Guests you bring"),
                choices=[(n, str(n)) for n in range(max_guests + 1)],
                coerce=int,
                initial=0,
                help_text=_("Each guest takes a seat and comes in with your ticket."),
            )
        for question in self.questions:
            self.fields[self.field_name(question)] = self._field(question)

    @staticmethod
    def field_name(question: Question) -> str:
        return f"q{question.pk}"

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common: dict[str, Any] = {
            "label": question.label,
            "required": question.required,
            "validators": [question.clean_answer],
            "error_messages": {"required": _("Please answer this question.")},
        }
        if question.kind == Question.Kind.CHOICE:
            choices = [(option, option) for option in question.option_list]
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        if question.kind == Question.Kind.YES_NO:
            yes_no = [(Question.YES, _("Yes")), (Question.NO, _("No"))]
            return forms.ChoiceField(choices=yes_no, widget=forms.RadioSelect, **common)
        attrs: dict[str, Any] = {"maxlength": ANSWER_MAX}
        if question.kind == Question.Kind.PHONE:
            attrs.update({"type": "tel", "inputmode": "tel", "autocomplete": "tel"})
        return forms.CharField(max_length=ANSWER_MAX, widget=forms.TextInput(attrs=attrs), **common)

    def guest_count(self) -> int:
        return self.cleaned_data.get("guests") or 0

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(self.field_name(q), "") for q in self.questions}

    def question_fields(self) -> list[forms.BoundField]:
        return [self[self.field_name(q)] for q in self.questions]


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Ticket code"),
        max_length=400,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "autofocus": True, "inputmode": "text"}
        ),
    )


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    venue = forms.CharField(label=_("Venue"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=200)
    agenda = forms.CharField(
        label=_("What will happen"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    capacity = forms.IntegerField(
        label=_("Seats"), min_value=MIN_CAPACITY, max_value=MAX_CAPACITY, initial=DEFAULT_CAPACITY
    )
    question = forms.CharField(label=_("A question for fans who register (optional)"), max_length=200, required=False)


class CancelMeetupForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (fans read it)"), max_length=500, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500})
    )


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("New start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("New end (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason (fans read it)"), max_length=500, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500})
    )


class AttendeeMessageForm(forms.Form):
    audience = forms.ChoiceField(label=_("To"), choices=AttendeeMessage.Audience.choices)
    text = forms.CharField(
        label=_("Message"), max_length=280, widget=forms.Textarea(attrs={"rows": 4, "maxlength": 280})
    )
