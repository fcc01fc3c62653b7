"""Service desk pages: thin views over servicedesk.claims/triage (writes) and queries/insights (reads)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import City, User
from accounts.roles import is_desk_staff
from fancity.lib.params import int_param, page_param
from fancity.lib.uploads import refused_uploads
from forum.attachments import inspect as inspect_files
from forum.models import Thread
from forum.reading.cards import PostCard
from forum.reading.queries import Pages, thread_posts
from servicedesk import (
    annotations,
    assignment,
    claims,
    export,
    lifecycle,
    merging,
    permissions,
    private,
    queries,
    satisfaction,
    saved_views,
    triage,
)
from servicedesk import (
    attachments as desk_attachments,
)
from servicedesk import insights as figures
from servicedesk import (
    reports as desk_reports,
)
from servicedesk.forms import (
    AnswerForm,
    MergeForm,
    MessageForm,
    MoveForm,
    NoteForm,
    QueueSearchForm,
    RatingForm,
    RequestForm,
    SaveViewForm,
    TicketDetailsForm,
)
from servicedesk.models import OPEN_STATES, DeskSettings, PrivateMessage, PrivateRequest, Team, Ticket
from servicedesk.presenters import insights_context, segment_labels
from servicedesk.wechat import queries as wechat_queries


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
    """The queue: mine / my team's / unassigned, the agent's saved views, search and filters."""
    target = DeskSettings.load().target_minutes
    now = timezone.now()
    form = QueueSearchForm(request.GET)
    search = form.search()
    counts = queries.sidebar_counts(request.user.pk)
    tickets = queries.searched(request.user.pk, search, now)
    if search.is_filtered or search.scope or search.state not in ("", *OPEN_STATES):
        total = tickets.count()
    else:
        total = counts[search.state] if search.state else counts["all"]
    items, pages = queries.search_page(tickets, page_param(request.GET.get("page")), total)
    this_search = search.query_string()
    for item in items:
        item.age = queries.waiting(item, now)
        item.overdue = item.is_open and item.age.total_seconds() > target * 60
    scopes = [
        ("", _("All open"), counts["all"]),
        ("mine", _("Mine"), counts["mine"]),
        ("team", _("My team's"), counts["team"]),
        ("unassigned", _("Unassigned"), counts["unassigned"]),
    ]
    tabs = [("", _("All open"), counts["all"])] + [(s.value, s.label, counts[s]) for s in OPEN_STATES]
    return render(
        request,
        "servicedesk/queue.html",
        {
            "items": items,
            "target": target,
            "tabs": tabs,
            "scopes": scopes,
            "search": search,
            "form": form,
            "total": total,
            "state": search.state,
            "pages": pages,
            "query": f"{this_search}&" if this_search else "",
            "this_search": this_search,
            "views": queries.saved_views(request.user.pk),
            "save_form": SaveViewForm(initial={"query": this_search}),
            "teams": Team.objects.order_by("name", "pk"),
        },
    )


@staff_only
@require_POST
def save_view(request):
    """Save the current search in the agent's sidebar (same name again: replaced)."""
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name."))
        return redirect("servicedesk:queue")
    search = QueueSearchForm(QueryDict(form.cleaned_data["query"])).search()
    view = saved_views.save(request.user, form.cleaned_data["name"], search.query_string())
    messages.success(request, _("The view is saved in your sidebar."))
    return redirect(view.get_absolute_url())


@staff_only
@require_POST
def delete_view(request, pk):
    try:
        saved_views.delete(request.user, pk)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The view is deleted."))
    return redirect("servicedesk:queue")


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
            elif action == "solve":
                lifecycle.solve(request.user, item.pk)
                messages.success(request, _("The item is solved."))
                return redirect("servicedesk:queue")
            elif action == "move" and not item.is_private:
                move_form = MoveForm(request.POST)
                if not move_form.is_valid():
                    return _render_ticket(request, item, form, status=400, move_form=move_form)
                moved = private.move_thread(request.user, item.pk, move_form.cleaned_data["public_title"])
                messages.success(request, _("The thread is hidden from the public; continue here, privately."))
                return redirect(moved)
            elif action == "note":
                note_form = NoteForm(request.POST)
                if not note_form.is_valid():
                    return _render_ticket(request, item, form, status=400, note_form=note_form)
                annotations.add_note(request.user, item.pk, note_form.cleaned_data["note"])
                messages.success(request, _("Your note is saved. Only staff can read it."))
            elif action == "details":
                details = _details_form(request.POST)
                if not details.is_valid():
                    return _render_ticket(request, item, form, status=400, details=details)
                data = details.cleaned_data
                agent = User.objects.filter(pk=data["agent"]).first() if data["agent"] else None
                team = Team.objects.filter(pk=data["team"]).first() if data["team"] else None
                assignment.assign(request.user, item.pk, agent, team)
                annotations.set_tags(request.user, item.pk, annotations.parse_tags(data["tags"]))
                annotations.set_fields(request.user, item.pk, **{name: data[name] for name in annotations.FIELDS})
                messages.success(request, _("Saved."))
            elif action == "merge":
                merge_form = MergeForm(request.POST)
                if not merge_form.is_valid():
                    return _render_ticket(request, item, form, status=400, merge_form=merge_form)
                into = merging.merge(request.user, item.pk, merge_form.cleaned_data["into"])
                messages.success(request, _("Merged. The fan was told once."))
                return redirect("servicedesk:ticket", pk=into.pk)
            elif action == "answer" and form.is_valid():
                post = claims.answer(
                    request.user, item.pk, form.cleaned_data["body"], confirm=form.cleaned_data["confirm"]
                )
                messages.success(request, _("Your answer is posted in the thread."))
                if (channel := wechat_queries.panel(item)) is not None and not channel.window_open:
                    messages.warning(request, _("WeChat no longer accepts answers to this fan (48 hours passed)."))
                return redirect(post.get_absolute_url())
            else:
                return _render_ticket(request, item, form, status=400)
        except claims.HeldBySomeoneElse as error:
            form.add_error(None, error)
            return _render_ticket(request, item, form, status=409, confirm=True)
        except claims.AlreadyClaimed as error:
            messages.error(request, error.messages[0])
            return redirect("servicedesk:queue")
        except ValidationError as error:
            form.add_error(None, error)
            return _render_ticket(request, item, form, status=400)
        return redirect("servicedesk:ticket", pk=item.pk)
    return _render_ticket(request, item, form)


def _details_form(data=None, initial=None) -> TicketDetailsForm:
    return TicketDetailsForm(
        data,
        initial=initial,
        agents=permissions.assignable_agents().order_by("display_name", "username", "pk"),
        teams=Team.objects.order_by("name", "pk"),
    )


def _render_ticket(
    request,
    item: Ticket,
    form: AnswerForm,
    status: int = 200,
    confirm: bool = False,
    move_form: MoveForm | None = None,
    note_form: NoteForm | None = None,
    details: TicketDetailsForm | None = None,
    merge_form: MergeForm | None = None,
):
    target = DeskSettings.load().target_minutes
    item.age = queries.waiting(item) if item.is_open else queries.age(item)
    item.overdue = item.is_open and item.age.total_seconds() > target * 60
    posts: list[PrivateMessage] | list[PostCard]
    if item.is_private:
        assert item.request is not None
        posts, pages = queries.request_messages(item.request, page_param(request.GET.get("page")))
    else:
        thread = item.thread
        assert thread is not None  # ticket_thread_or_request
        page = page_param(request.GET.get("page"), thread.page_count)
        posts, pages = thread_posts(thread, page).cards, Pages(page, thread.page_count, page < thread.page_count)
    context = {
        "item": item,
        "form": form,
        "posts": posts,
        "pages": pages,
        "events": queries.events(item),
        "target": target,
        "held_by_other": item.claimed_by_id not in (None, request.user.pk),
        "canned": queries.canned_replies(item) if item.is_open else [],
        "ask_confirm": confirm,
        "ratings": queries.ratings(item),
        "move_form": None if item.is_private else move_form or MoveForm(),
        "note_form": note_form or NoteForm(),
        "notes": queries.notes(item),
        "details": details
        or _details_form(
            initial={
                "agent": item.claimed_by_id,
                "team": item.team_id,
                "tags": ", ".join(t.name for t in item.tags.all()),
                **{name: getattr(item, name) for name in annotations.FIELDS},
            }
        ),
        "merge_form": merge_form or MergeForm(),
        "context": queries.fan_context(item),
        "wechat": wechat_queries.panel(item),
    }
    return render(request, "servicedesk/ticket.html", context, status=status)


@login_required
def my_requests(request):
    """The fan's private requests, and the form to open one."""
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = private.open_request(request.user, form.cleaned_data["subject"], form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your request is sent. Only you and our staff can read it."))
            return redirect(opened)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "requests": queries.requests_of(request.user)}
    return render(request, "servicedesk/requests.html", context, status=status)


@login_required
def private_request(request, pk):
    """One private conversation: the fan who opened it and desk staff only; a 404 for anyone else."""
    opened = PrivateRequest.objects.select_related("fan", "ticket", "ticket__claimed_by").filter(pk=pk).first()
    if opened is None or not private.can_read(request.user, opened):
        raise Http404
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                files = inspect_files(
                    form.cleaned_data["images"], form.cleaned_data["logs"], True, refused=refused_uploads(request)
                )
                message = private.send_message(request.user, opened.pk, form.cleaned_data["body"], files)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(message)
    rows, pages = queries.request_messages(opened, page_param(request.GET.get("page")))
    if request.user.pk == opened.fan_id:
        rated = satisfaction.ratings_of_messages(rows)
        for row in rows:
            row.rateable = satisfaction.is_answer(row, opened.fan_id)
            rating = rated.get(row.pk)
            row.rated_helpful, row.rated_comment = (rating.helpful, rating.comment) if rating else (None, "")
    context = {"opened": opened, "rows": rows, "pages": pages, "form": form, "is_staff": is_desk_staff(request.user)}
    return render(request, "servicedesk/request.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def rate(request):
    """The asker says whether an answer helped (servicedesk.satisfaction); back to the answer."""
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", status=400)
    data = form.cleaned_data
    helpful = data["helpful"] == "yes"
    try:
        if data["post"]:
            rating = satisfaction.rate_post(request.user, data["post"], helpful, data["comment"])
            assert rating.post is not None
            target = f"{rating.post.thread.get_absolute_url()}#rate-post-{rating.post_id}"
        else:
            rating = satisfaction.rate_message(request.user, data["message"], helpful, data["comment"])
            assert rating.message is not None
            target = rating.message.get_absolute_url()
    except PermissionDenied:
        raise Http404 from None
    except ValidationError:
        return render(request, "400.html", status=400)
    messages.success(request, _("Thank you: your rating helps us answer better."))
    return redirect(target)


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


@staff_only
def segments_csv(request):
    city = _city(request)
    segment = request.GET.get("segment", "active")
    if segment not in figures.SEGMENTS:
        raise Http404
    rows = export.segment_csv(figures.segment_fans(segment, city))
    name = f"fans-{segment}{'-' + city.slug if city else ''}.csv"
    return StreamingHttpResponse(
        rows,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@staff_only
def reports(request):
    """Per agent and team (last 30 days) and the service level breaches per week, team and agent."""
    agents, teams = desk_reports.per_agent_and_team()
    return render(
        request,
        "servicedesk/reports.html",
        {"agents": agents, "teams": teams, "breaches": desk_reports.breaches()},
    )


@login_required
def attachment(request, pk):
    """A file of a private request: its fan and desk staff only (404 for anyone else); logs download."""
    file, row = desk_attachments.open_attachment(request.user, pk)
    response = FileResponse(
        file, content_type=row.content_type, as_attachment=row.kind == row.Kind.LOG, filename=row.name
    )
    response["Cache-Control"] = "private, no-store"
    return response
