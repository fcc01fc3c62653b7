import json

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fancity.lib import charts
from meetups import queries
from meetups.calendar import meetup_ics
from meetups.changes import cancel_meetup, reschedule_meetup, told_count
from meetups.checkin import (
    AlreadyIn,
    check_in,
    check_in_registration,
    door_name,
    find_ticket,
    offline_list,
    sync_scans,
    undo_check_in,
    window_refusal,
)
from meetups.draw import MAX_ACTIVE_DAYS, NO_SHOW_FACTOR, NO_SHOW_MEMORY_DAYS, WEIGHT_PER_ACTIVE_DAY
from meetups.forms import (
    AttendeeMessageForm,
    CancelMeetupForm,
    CheckInForm,
    ProposalForm,
    RegisterForm,
    RescheduleForm,
)
from meetups.locking import RegistrationError
from meetups.messaging import message_attendees
from meetups.models import Meetup, Registration, TicketTransfer
from meetups.permissions import (
    may_cancel_meetup,
    may_manage,
    may_message_attendees,
    may_reschedule_meetup,
    may_run_door,
)
from meetups.proposals import propose_meetup
from meetups.registration import (
    AnswersInvalid,
    cancel_registration,
    confirm_seat,
    opening_words,
    register_for_meetup,
    waiting_position,
)
from meetups.tickets import ticket_token
from meetups.transfers import accept_transfer, offer_transfer, withdraw_transfer

ACTIVE_STATES = (Registration.State.CONFIRMED, Registration.State.WAITING, Registration.State.APPLIED)


def _meetup_or_404(request, pk: int, seats: bool = True) -> Meetup:
    meetup = queries.meetup_for(request.user, pk, seats)
    if meetup is None:
        raise Http404
    return meetup


def index(request):
    return render(
        request,
        "meetups/index.html",
        {
            "meetups": list(queries.upcoming_meetups(request.user)[:50]),
            "proposals": list(queries.my_proposals(request.user)),
        },
    )


def _detail_context(request, meetup: Meetup, form: RegisterForm | None = None) -> dict:
    registration = queries.registration_of(request.user, meetup)
    may_register = meetup.registration_is_open() and (
        registration is None or registration.state == Registration.State.CANCELLED
    )
    if form is None:
        # The questions are read only when the form is shown (a signed-in fan who may register).
        show_form = may_register and request.user.is_authenticated
        form = RegisterForm(questions=queries.questions_of(meetup) if show_form else (), max_guests=meetup.max_guests)
    return {
        "meetup": meetup,
        "registration": registration,
        # A cancelled meetup holds no seat, place or application any more: nothing to show or cancel.
        "active": registration is not None
        and registration.state in ACTIVE_STATES
        and meetup.status != Meetup.Status.CANCELLED,
        "position": waiting_position(registration) if registration else None,
        "seats_left": max(meetup.capacity - meetup.confirmed, 0),  # type: ignore[attr-defined]  # with_seats()
        "is_open": meetup.registration_is_open(),
        "opening": opening_words(meetup),  # registration opens later: the day and time it opens
        # A fan who was turned down (or did not come) holds their row: no button that would fail.
        "may_register": may_register,
        "form": form,
        "weights": {
            "per_day": WEIGHT_PER_ACTIVE_DAY,
            "max_days": MAX_ACTIVE_DAYS,
            "max_bonus": WEIGHT_PER_ACTIVE_DAY * MAX_ACTIVE_DAYS,
            "no_show": NO_SHOW_FACTOR,
            "memory": NO_SHOW_MEMORY_DAYS,
        },
    }


def detail(request, pk):
    meetup = _meetup_or_404(request, pk)
    return render(request, "meetups/detail.html", _detail_context(request, meetup))


@login_required
@require_POST
def register(request, pk):
    """Register; answers that do not fit show the page again with what the fan typed and the errors."""
    meetup = _meetup_or_404(request, pk, seats=False)
    form = RegisterForm(request.POST, questions=queries.questions_of(meetup), max_guests=meetup.max_guests)
    if form.is_valid():
        try:
            registration = register_for_meetup(
                request.user, meetup, form.cleaned_data["answer"], form.answers(), guests=form.guest_count()
            )
        except AnswersInvalid as error:
            for question in form.questions:
                if question.pk in error.errors:
                    form.add_error(form.field_name(question), error.errors[question.pk])
        except RegistrationError as error:
            messages.error(request, str(error))
            return redirect(meetup)
        else:
            if registration.state == Registration.State.CONFIRMED:
                messages.success(request, _("You are confirmed! Your ticket is ready."))
            elif registration.state == Registration.State.WAITING:
                messages.success(request, _("The meetup is full: you are on the waiting list."))
            else:
                messages.success(request, _("Your application is in. We will tell you the result."))
            return redirect(meetup)
    meetup = _meetup_or_404(request, pk)  # with its seats, for the page
    return render(request, "meetups/detail.html", _detail_context(request, meetup, form), status=400)


@login_required
def cancel(request, pk):
    """The fan gives up their seat or place: a page asks first, and only its "Yes" button cancels."""
    registration = Registration.objects.select_related("meetup__city").filter(pk=pk).first()
    if registration is None:
        raise Http404
    if registration.fan_id != request.user.pk:
        if request.method == "POST":
            messages.error(request, _("This registration is not yours."))
            return redirect("meetups:index")
        raise Http404
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            cancel_registration(request.user, registration)
        except RegistrationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your registration is cancelled."))
        return _back(request, registration)
    if registration.state not in ACTIVE_STATES or registration.meetup.status == Meetup.Status.CANCELLED:
        messages.error(request, _("This registration is already cancelled or closed."))
        return _back(request, registration)
    return render(
        request,
        "meetups/cancel_registration.html",
        {
            "registration": registration,
            "meetup": registration.meetup,
            "next": "mine" if (request.POST.get("next") or request.GET.get("next")) == "mine" else "",
        },
    )


@login_required
def ticket(request, pk):
    meetup = _meetup_or_404(request, pk, seats=False)
    registration = queries.registration_of(request.user, meetup)
    if meetup.status == Meetup.Status.CANCELLED and registration is not None and registration.state in ACTIVE_STATES:
        # The page a fan kept open or bookmarked says the ticket is void, with no code to show at a door.
        context = {"meetup": meetup, "registration": registration, "cancelled": True}
        return render(request, "meetups/ticket.html", context)
    if registration is None or registration.state != Registration.State.CONFIRMED:
        messages.error(request, _("You have no confirmed seat at this meetup, so there is no ticket."))
        return redirect(meetup)
    registration.fan = request.user
    token = ticket_token(registration)
    qr = segno.make(token, error="m").svg_inline(scale=4, title=_("Ticket QR code"))
    context = {"meetup": meetup, "registration": registration, "qr": qr}
    if meetup.allow_transfer and not registration.checked_in_at:
        context["offer"] = queries.open_transfer(registration)
    return render(request, "meetups/ticket.html", context)


@login_required
@require_POST
def transfer_offer(request, pk):
    """The fan names a friend's account to give their seat to."""
    registration = get_object_or_404(Registration.objects.select_related("meetup"), pk=pk, fan=request.user)
    try:
        transfer = offer_transfer(request.user, registration, request.POST.get("username", "")[:150])
    except RegistrationError as error:
        messages.error(request, str(error))
    else:
        assert transfer.to_fan is not None  # offer_transfer names the friend
        messages.success(
            request,
            _("Offered to %(name)s. Your ticket works until they accept.") % {"name": transfer.to_fan.public_name},
        )
    return redirect("meetups:ticket", registration.meetup_id)


@login_required
@require_POST
def transfer_withdraw(request, pk):
    transfer = get_object_or_404(TicketTransfer, pk=pk, from_fan=request.user)
    try:
        withdraw_transfer(request.user, transfer)
    except RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your offer is withdrawn; your ticket is still yours."))
    return redirect("meetups:ticket", transfer.meetup_id)


@login_required
def transfer_page(request, pk):
    """The friend's side: the meetup, the questions, and "Accept"; nobody else sees the offer."""
    transfer = get_object_or_404(
        TicketTransfer.objects.select_related("meetup__city", "from_fan"), pk=pk, to_fan=request.user
    )
    meetup = transfer.meetup
    questions = queries.questions_of(meetup)
    form = RegisterForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            accept_transfer(request.user, transfer, form.cleaned_data["answer"], form.answers())
        except AnswersInvalid as error:
            for question in form.questions:
                if question.pk in error.errors:
                    form.add_error(form.field_name(question), error.errors[question.pk])
        except RegistrationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The seat is yours! Here is your ticket."))
            return redirect("meetups:ticket", meetup.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "meetups/transfer.html", {"transfer": transfer, "meetup": meetup, "form": form}, status=status
    )


def ics(request, pk):
    meetup = _meetup_or_404(request, pk, seats=False)
    response = HttpResponse(meetup_ics(meetup), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fancity-meetup-{meetup.pk}.ics"'
    return response


@login_required
def propose(request):
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meetup = propose_meetup(request.user, **form.cleaned_data)
        except RegistrationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you! Event staff will look at your proposal soon."))
            return redirect(meetup)
    return render(request, "meetups/propose.html", {"form": form})


def cities(request):
    ranking = queries.ranking()
    top = ranking[:15]
    bar_chart = charts.bars([(s.city.label, s.active_fans, str(s.active_fans)) for s in top])
    trend = queries.trends([s.city_id for s in top])
    rows = [
        {
            "snapshot": s,
            "sparkline": charts.sparkline([v for _, v in trend.get(s.city_id, [])]),
            "points": len(trend.get(s.city_id, [])),
        }
        for s in top
    ]
    return render(
        request,
        "meetups/cities.html",
        {
            "ranking": ranking,
            "bar_chart": bar_chart,
            "rows": rows,
            "day": ranking[0].day if ranking else None,
            "last_meetups": list(queries.last_official_meetups()),
        },
    )


def _door_or_403(request, pk) -> Meetup:
    """The meetup, for whoever runs its door (event staff, or the fan organising it); else 403."""
    meetup = get_object_or_404(Meetup.objects.select_related("city"), pk=pk)
    if not may_run_door(request.user, meetup):
        raise PermissionDenied
    return meetup


def _search_text(value) -> str:
    """The door's search box: at most 50 characters, no NUL bytes, trimmed."""
    return str(value or "").replace("\x00", "")[:50].strip()


def _registration_id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


@login_required
def check_in_page(request, pk):
    """The door: a scanned or typed ticket (looked up, then confirmed), or a search by name, username
    or the last digits of a phone number for fans without their ticket."""
    meetup = _door_or_403(request, pk)
    form = CheckInForm(request.POST if "code" in request.POST else None)
    found = done = undone = None
    errors = []
    if request.method == "POST":
        registration_id = _registration_id(request.POST.get("registration"))
        undo_id = _registration_id(request.POST.get("undo"))
        try:
            if undo_id is not None:
                undone = undo_check_in(request.user, meetup, undo_id)
            elif registration_id is not None:
                done = check_in_registration(request.user, meetup, registration_id)
            elif form.is_valid():
                code = form.cleaned_data["code"]
                if request.POST.get("confirm"):
                    done = check_in(request.user, meetup, code)
                    form = CheckInForm()
                else:
                    found = find_ticket(meetup, code)
                    if found.checked_in_at:
                        found = None
                        check_in(request.user, meetup, code)  # raises "already used"
        except RegistrationError as error:
            errors.append(str(error))
    search = _search_text(request.GET.get("q"))
    return render(
        request,
        "meetups/check_in.html",
        {
            "meetup": meetup,
            "form": form,
            "found": found,
            "done": done,
            "undone": undone,
            "errors": errors,
            "closed": window_refusal(meetup),
            "stats": queries.door_stats(meetup),
            "log": queries.door_log(meetup),
            "search": search,
            "results": queries.search_attendees(meetup, search) if search else None,
        },
    )


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _door_json(meetup: Meetup, answer: dict, status: int = 200) -> JsonResponse:
    """A door answer, with the live figures; never cached (it names fans)."""
    response = JsonResponse({**answer, "stats": queries.door_stats(meetup)}, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def door_list(request, pk):
    """The door's offline list (hashed ticket codes and names), for whoever runs this door."""
    meetup = _door_or_403(request, pk)
    return _door_json(meetup, offline_list(request.user, meetup))


@login_required
def door_stats(request, pk):
    return _door_json(_door_or_403(request, pk), {})


@login_required
@require_POST
def door_scan(request, pk):
    """The camera's continuous scan: a ticket in, checked in at once (no second tap), or why not."""
    meetup = _door_or_403(request, pk)
    code = str(_json_body(request).get("code") or "")[:400]
    try:
        registration = check_in(request.user, meetup, code)
    except AlreadyIn as error:
        registration = error.registration
        answer: dict[str, object] = {"result": "refused", "message": str(error), "name": door_name(registration)}
        return _door_json(meetup, {**answer, "registration": registration.pk, "already": True})
    except RegistrationError as error:
        return _door_json(meetup, {"result": "refused", "message": str(error)})
    answer = {"result": "checked_in", "registration": registration.pk, "name": door_name(registration)}
    return _door_json(meetup, answer)


@login_required
@require_POST
def door_undo(request, pk):
    meetup = _door_or_403(request, pk)
    registration_id = _registration_id(_json_body(request).get("registration"))
    try:
        registration = undo_check_in(request.user, meetup, registration_id or 0)
    except RegistrationError as error:
        return _door_json(meetup, {"result": "refused", "message": str(error)})
    answer = {"result": "undone", "registration": registration.pk, "name": registration.fan.public_name}
    return _door_json(meetup, answer)


@login_required
@require_POST
def door_sync(request, pk):
    """Scans a phone made offline, sent when the network is back; safe to send again."""
    meetup = _door_or_403(request, pk)
    try:
        results = sync_scans(request.user, meetup, _json_body(request).get("scans"))
    except RegistrationError as error:
        return _door_json(meetup, {"message": str(error)}, status=400)
    return _door_json(meetup, {"results": results})


@login_required
def attendees(request, pk):
    """Event staff (or the fan organiser): the meetup's confirmed, checked-in or waiting fans, paged."""
    meetup = _door_or_403(request, pk)
    which = request.GET.get("show")
    which = which if which in queries.ATTENDEE_FILTERS else "confirmed"
    after = _registration_id(request.GET.get("after")) or 0
    rows, next_after = queries.attendees(meetup, which, after)
    return render(
        request,
        "meetups/attendees.html",
        {
            "meetup": meetup,
            "rows": rows,
            "which": which,
            "next_after": next_after,
            "counts": queries.attendee_counts(meetup),
        },
    )


@login_required
def my_meetups(request):
    """The fan's upcoming registrations (state, waiting position, ticket, cancel) and past attendance."""
    past, next_cursor = queries.my_past(request.user, queries.parse_past_cursor(request.GET.get("before")))
    return render(
        request,
        "meetups/my_meetups.html",
        {
            "upcoming": list(queries.my_upcoming(request.user)),
            "past": past,
            "next_cursor": next_cursor,
            "organised": list(queries.organised_by(request.user)),
            "first_page": "before" not in request.GET,
        },
    )


STAFF_FORMS = {"cancel": CancelMeetupForm, "reschedule": RescheduleForm, "message": AttendeeMessageForm}
# Who may use each form of the staff page (meetups.permissions): the organiser of an approved fan
# meetup cancels it and writes to its fans; only event staff move it.
STAFF_ACTIONS = {"cancel": may_cancel_meetup, "reschedule": may_reschedule_meetup, "message": may_message_attendees}


@login_required
def manage(request, pk):
    """Event staff: cancel or reschedule the meetup (with a reason fans read), or write to its attendees.
    The organiser of an approved fan meetup: cancel it, or write to its attendees."""
    meetup = get_object_or_404(queries.with_seats(Meetup.objects.select_related("city")), pk=pk)
    if not may_manage(request.user, meetup):
        raise PermissionDenied
    allowed = [name for name, rule in STAFF_ACTIONS.items() if rule(request.user, meetup)]
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {
        name: form(request.POST if name == action else None, prefix=name)
        for name, form in STAFF_FORMS.items()
        if name in allowed
    }
    confirming = False
    if action in forms and forms[action].is_valid():
        data = forms[action].cleaned_data
        # Cancelling cannot be undone and tells every fan: a second step asks first, the reason kept.
        confirming = action == "cancel" and request.POST.get("confirm") != "yes"
    if action in forms and forms[action].is_valid() and not confirming:
        try:
            if action == "cancel":
                cancel_meetup(request.user, meetup, data["reason"])
                messages.success(request, _("The meetup is cancelled; its fans are being told."))
            elif action == "reschedule":
                reschedule_meetup(request.user, meetup, data["starts_at"], data["ends_at"], data["reason"])
                messages.success(request, _("The meetup has its new time; its fans are being told."))
            else:
                sent = message_attendees(request.user, meetup, data["audience"], data["text"])
                messages.success(request, _("Your message is on its way to %(n)s fans.") % {"n": sent.recipients})
        except RegistrationError as error:
            forms[action].add_error(None, str(error))
        else:
            return redirect("meetups:manage", meetup.pk)
    if confirming:
        return render(
            request,
            "meetups/manage_cancel.html",
            {"meetup": meetup, "form": forms["cancel"], "told": told_count(meetup)},
        )
    return render(
        request,
        "meetups/manage.html",
        {"meetup": meetup, "forms": forms, "sent": list(queries.sent_messages(meetup)[:20])},
    )


def _drawn_or_404(request, pk) -> Meetup:
    meetup = _meetup_or_404(request, pk, seats=False)
    if not meetup.draw_record:
        raise Http404
    return meetup


def draw_result(request, pk):
    """The published draw: seed, commitment, and every applicant's application, weight and rank."""
    meetup = _meetup_or_404(request, pk, seats=False)
    record = meetup.draw_record
    rows, mine = [], None
    if record:
        registration = queries.registration_of(request.user, meetup)
        if registration is not None and registration.applied_order is not None:
            mine = registration.applied_order
        by_application = {a["application"]: a for a in record["applicants"]}
        rows = [
            {**by_application[application], "rank": rank, "seat": rank <= record["seats"]}
            for rank, application in enumerate(record["result"], start=1)
        ]
    return render(request, "meetups/draw.html", {"meetup": meetup, "record": record, "rows": rows, "mine": mine})


def draw_json(request, pk):
    meetup = _drawn_or_404(request, pk)
    response = JsonResponse(meetup.draw_record, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'inline; filename="fancity-draw-{meetup.pk}.json"'
    return response


@login_required
@require_POST
def confirm(request, pk):
    """The fan confirms a seat they were promoted to shortly before the start."""
    registration = Registration.objects.filter(pk=pk, fan=request.user).first()
    if registration is None:
        raise Http404
    try:
        confirm_seat(request.user, registration)
    except RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your seat is confirmed."))
    return _back(request, registration)


def _back(request, registration: Registration):
    """Back to "My meetups" when the fan acted there, else to the meetup's page."""
    if (request.POST.get("next") or request.GET.get("next")) == "mine":
        return redirect("meetups:mine")
    return redirect("meetups:detail", registration.meetup_id)
