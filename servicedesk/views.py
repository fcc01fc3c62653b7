"""Service desk pages: thin views over servicedesk.claims/triage (writes) and queries/insights (reads)."""

import csv
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import City
from accounts.roles import is_desk_staff
from fancity.lib.params import int_param
from forum.models import Thread
from servicedesk import claims, queries, triage
from servicedesk import insights as figures
from servicedesk.forms import AnswerForm
from servicedesk.models import DeskSettings, Ticket
from servicedesk.presenters import insights_context, segment_labels


def staff_only(view):
    """Anonymous visitors go to the login page; anyone signed in but not service desk staff gets a 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_desk_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
def queue(request):
    target = DeskSettings.load().target_minutes
    now = timezone.now()
    items = queries.queue()
    for item in items:
        item.age = queries.age(item, now)
        item.overdue = item.age.total_seconds() > target * 60
    return render(request, "servicedesk/queue.html", {"items": items, "target": target})


@staff_only
def ticket(request, pk):
    try:
        item = queries.ticket_for_page(pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "claim":
                claims.claim(request.user, item.pk)
                messages.success(request, _("You claimed this item."))
            elif action == "hand_back":
                claims.hand_back(request.user, item.pk)
                messages.success(request, _("You handed this item back to the queue."))
                return redirect("servicedesk:queue")
            elif action == "answer" and form.is_valid():
                post = claims.answer(request.user, item.pk, form.cleaned_data["body"])
                messages.success(request, _("Your answer is posted in the thread."))
                return redirect(post.get_absolute_url())
            else:
                return render(request, "servicedesk/ticket.html", _ticket_context(item, form), status=400)
        except claims.AlreadyClaimed as error:
            messages.error(request, error.messages[0])
            return redirect("servicedesk:queue")
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "servicedesk/ticket.html", _ticket_context(item, form), status=400)
        return redirect("servicedesk:ticket", pk=item.pk)
    return render(request, "servicedesk/ticket.html", _ticket_context(item, form))


def _ticket_context(item: Ticket, form: AnswerForm) -> dict:
    target = DeskSettings.load().target_minutes
    item.age = queries.age(item)
    item.overdue = item.thread.first_staff_reply_at is None and item.age.total_seconds() > target * 60
    first_post = item.thread.posts.filter(floor=1).first()
    return {"item": item, "form": form, "first_post": first_post, "target": target}


@login_required
def ask_for_person(request, thread_id):
    thread = get_object_or_404(Thread.objects.select_related("board"), pk=thread_id)
    if request.user.pk != thread.author_id:
        raise PermissionDenied
    if request.method == "POST":
        try:
            triage.ask_for_person(request.user, thread)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("A member of staff will answer you here."))
        return redirect(thread)
    return render(request, "servicedesk/ask.html", {"thread": thread, "state": queries.desk_state(thread.pk)})


def _city(request) -> City | None:
    slug = request.GET.get("city", "")
    return City.objects.filter(slug=slug).first() if slug else None


@staff_only
def insights(request):
    city = _city(request)
    target = DeskSettings.load().target_minutes
    context = insights_context(city, target)
    context["cities"] = City.objects.order_by("id").only("id", "slug", "name", "name_en")
    return render(request, "servicedesk/insights.html", context)


SEGMENT_PAGE = 50


@staff_only
def segments(request):
    city = _city(request)
    segment = request.GET.get("segment", "active")
    if segment not in figures.SEGMENTS:
        raise Http404
    fans = figures.segment_fans(segment, city)
    if (after := int_param(request.GET.get("after"))) is not None:
        fans = fans.filter(pk__gt=after)
    rows = list(fans[: SEGMENT_PAGE + 1])
    counts = figures.segment_counts(city)
    labels = segment_labels()
    return render(
        request,
        "servicedesk/segments.html",
        {
            "segment": segment,
            "segment_label": labels[segment],
            "city": city,
            "segments": [(key, label, counts[key]) for key, label in labels.items()],
            "fans": rows[:SEGMENT_PAGE],
            "next_after": rows[SEGMENT_PAGE - 1].pk if len(rows) > SEGMENT_PAGE else None,
            "cities": City.objects.order_by("id").only("id", "slug", "name", "name_en"),
        },
    )


class _Echo:
    def write(self, value):
        return value


@staff_only
def segments_csv(request):
    city = _city(request)
    segment = request.GET.get("segment", "active")
    if segment not in figures.SEGMENTS:
        raise Http404
    writer = csv.writer(_Echo())
    fans = figures.segment_fans(segment, city).values_list(
        "username", "display_name", "city__slug", "date_joined", "last_active_on"
    )

    def rows():
        yield "\ufeff"  # so that spreadsheet programs read the Chinese names as UTF-8
        yield writer.writerow(["username", "display_name", "city", "date_joined", "last_active_on"])
        for username, name, city_slug, joined, active in fans.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    username,
                    _safe_cell(name),
                    city_slug or "",
                    joined.date().isoformat(),
                    active.isoformat() if active else "",
                ]
            )

    name = f"fans-{segment}{'-' + city.slug if city else ''}.csv"
    return StreamingHttpResponse(
        rows(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _safe_cell(value: str) -> str:
    """Fans choose their display names: keep spreadsheet formulas from running (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
