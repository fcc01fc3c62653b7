"""The meetups part of a fan's personal data: exported (settings.PERSONAL_DATA_EXPORTS) and erased
when the account is deleted (settings.PERSONAL_DATA_ERASERS); and the attendee list event staff
download as CSV (`attendees_csv`)."""

import csv
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from meetups.models import Answer, Meetup, Question, Registration
from meetups.registration import release_places_of_deleted_fan

# Proposals that never became public: only the fan and staff ever saw them.
UNPUBLISHED_PROPOSALS = (Meetup.Approval.PENDING, Meetup.Approval.REJECTED)


def meetups_data(user: User) -> dict:
    def iso(moment):
        return moment.isoformat() if moment else None

    return {
        "meetups": {
            "registrations": [
                {
                    "meetup": r.meetup_id,
                    "title": r.meetup.title,
                    "starts_at": iso(r.meetup.starts_at),
                    "state": r.state,
                    "answer": r.answer,
                    "registered_at": iso(r.created_at),
                    "confirmed_at": iso(r.confirmed_at),
                    "cancelled_at": iso(r.cancelled_at),
                    "checked_in_at": iso(r.checked_in_at),
                    "draw_weight": r.draw_weight,
                    "answers": [{"question": a.question.label, "answer": a.value} for a in r.answers.all()],
                }
                for r in Registration.objects.filter(fan=user)
                .select_related("meetup")
                .prefetch_related(Prefetch("answers", Answer.objects.select_related("question")))
                .order_by("pk")
            ],
            "proposals": [
                {
                    "meetup": m.pk,
                    "title": m.title,
                    "starts_at": iso(m.starts_at),
                    "venue": m.venue,
                    "address": m.address,
                    "agenda": m.agenda,
                    "approval": m.approval,
                    "status": m.status,
                }
                for m in Meetup.objects.filter(proposed_by=user).order_by("pk")
            ],
        }
    }


def erase_meetups_data(user: User) -> None:
    """In the account deletion's transaction: places in upcoming meetups are given up (the waiting
    list moves up), every answer the fan wrote is erased, and proposals that never went public are
    deleted. Past registrations stay as attendance counts of a "deleted user", as posts do; so do
    approved fan meetups, which other fans registered for."""
    release_places_of_deleted_fan(user)
    Registration.objects.filter(fan=user).exclude(answer="").update(answer="")
    Answer.objects.filter(registration__fan=user).delete()
    Meetup.objects.filter(proposed_by=user, kind=Meetup.Kind.FAN, approval__in=UNPUBLISHED_PROPOSALS).delete()


# A cell a spreadsheet would read as a formula (or DDE) starts with one of these; such a cell gets a
# leading apostrophe, so Excel, WPS and LibreOffice show it as text (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _local(moment, zone: ZoneInfo) -> str:
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def attendees_csv(staff: User, meetups: QuerySet[Meetup], out) -> None:
    """Write the registrations of `meetups` as CSV to `out` (a file or an HttpResponse) for staff.

    Excel-ready: a UTF-8 byte order mark (so Chinese names read right), headers and states in the
    staff member's language (the site's, Chinese, unless they chose another), times in the site's
    time zone (settings.TIME_ZONE, where meetups take place), one column per registration question
    (the questions of every exported meetup, meetup by meetup), and no cell a spreadsheet would run
    as a formula. Callers check that `staff` may see the attendees and their answers.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    meetup_ids = list(meetups.values_list("pk", flat=True))
    questions = list(
        Question.objects.filter(meetup_id__in=meetup_ids)
        .select_related("meetup")
        .order_by("meetup__starts_at", "meetup_id", "position", "pk")
    )
    several = len(meetup_ids) > 1
    with translation.override(staff.language or settings.LANGUAGE_CODE):
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(
            [
                _("Meetup"),
                _("Starts at"),
                _("Order"),
                _("State"),
                _("Username"),
                _("Display name"),
                _("Email"),
                _("Answer"),
                _("Ticket code"),
                _("Registered at"),
                _("Checked in at"),
                *[_cell(f"{q.label} ({q.meetup.title})" if several else q.label) for q in questions],
            ]
        )
        rows = (
            Registration.objects.filter(meetup_id__in=meetup_ids)
            .exclude(state=Registration.State.CANCELLED)
            .select_related("fan", "meetup")
            .order_by("meetup__starts_at", "meetup_id", "order")
        )
        answers = _answers_by_registration(meetup_ids)
        for r in rows.iterator(chunk_size=1000):
            mine = answers.get(r.pk, {})
            writer.writerow(
                [
                    _cell(r.meetup.title),
                    _local(r.meetup.starts_at, zone),
                    r.order,
                    _cell(r.get_state_display()),
                    _cell(r.fan.username),
                    _cell(r.fan.display_name),
                    _cell(r.fan.email),
                    _cell(r.answer),
                    _cell(r.ticket_code),
                    _local(r.created_at, zone),
                    _local(r.checked_in_at, zone),
                    *[_cell(_answer_text(q, mine.get(q.pk))) for q in questions],
                ]
            )


def _answers_by_registration(meetup_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    answers: dict[int, dict[int, str]] = {}
    rows = Answer.objects.filter(question__meetup_id__in=meetup_ids).values_list(
        "registration_id", "question_id", "value"
    )
    for registration_id, question_id, value in rows.iterator(chunk_size=5000):
        answers.setdefault(registration_id, {})[question_id] = value
    return answers


def _answer_text(question: Question, value: str | None) -> str:
    return question.answer_display(value) if value else ""
