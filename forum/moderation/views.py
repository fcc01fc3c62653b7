"""Moderation in the site (phone first): the queue of reports and held posts, the log, and every action.

Thin views: each finds the object, checks `can_moderate` for its board (403 on a board the viewer
does not moderate, 404 on one they cannot see), calls one function of forum/moderation/moderate.py, and goes
back where the moderator came from. Hiding, deleting, banning and locking ask first: the server acts
only on a form that carries `confirm=yes`, which only the confirmation page sends. A refusal the
moderator can fix (a ban length they may not give, a board they may not move to) is the form's error,
in their language, with what they typed kept; only a board they do not moderate is a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from fancity.lib.params import page_param, safe_next
from forum import permissions
from forum.forms import BanForm, MoveForm, ReasonForm
from forum.models import HeldPost, ModerationKind, Post, Report, Thread
from forum.moderation import moderate, queries
from forum.permissions import (
    can_moderate,
    can_see,
    may_read_withdrawn,
    moderated_boards,
    moderates_anything,
    visible_boards,
)
from forum.writing import posting

QUEUE = "forum:moderation"


def _post(request, pk: int) -> Post:
    post = get_object_or_404(Post.objects.select_related("thread__board", "author"), pk=pk)
    if not can_see(request.user, post.thread.board):
        raise Http404
    return post


def _moderated_post(request, pk: int) -> Post:
    post = _post(request, pk)
    if not can_moderate(request.user, post.thread.board):
        raise PermissionDenied
    return post


def _moderated_thread(request, pk: int) -> Thread:
    thread = get_object_or_404(Thread.objects.select_related("board", "author"), pk=pk)
    if not can_see(request.user, thread.board):
        raise Http404
    if not can_moderate(request.user, thread.board):
        raise PermissionDenied
    return thread


def _back(request, fallback: str):
    return redirect(safe_next(request, request.POST.get("next") or request.GET.get("next"), fallback))


def _refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def _form_page(request, post, form, action, title, button, status=200, thread=None, extra=None):
    """The confirmation page every action that needs one shows first (forum/reason.html): the post (or
    the thread), the form, the button that acts and Cancel; `extra`: hidden fields it sends along."""
    return render(
        request,
        "forum/reason.html",
        {
            "post": post,
            "thread": thread or post.thread,
            "form": form,
            "action": action,
            "title": title,
            "button": button,
            "confirm": True,
            "extra": extra or {},
            "next": safe_next(request, request.POST.get("next") or request.GET.get("next"), ""),
        },
        status=400 if form.errors and status == 200 else status,
    )


def _apply(form, error: ValidationError) -> None:
    """A refusal from forum.moderation.moderate as the form's errors, so the page says why and keeps what was typed."""
    if not form.is_bound:
        form.cleaned_data = {}  # Django's add_error expects a cleaned form; this one shows its initial values
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- pages -------------------------------------------------------------------------------------


@login_required
def queue(request):
    user = request.user
    if not moderates_anything(user):
        raise PermissionDenied
    boards = list(moderated_boards(user).only("pk", "slug", "name", "name_en", "kind"))
    board = next((b for b in boards if b.slug == request.GET.get("board")), None)
    page = page_param(request.GET.get("page"))
    reports, pages = queries.open_reports(user, page, board)
    by_board: dict = {}
    for report in reports:
        by_board.setdefault(report.post.thread.board, []).append(report.post)
    bannable = set().union(*(permissions.bannable_authors(user, posts, b) for b, posts in by_board.items()))
    return render(
        request,
        "forum/moderation.html",
        {
            "boards": boards,
            "board": board,
            "reports": reports,
            "pages": pages,
            "query": f"board={board.slug}&" if board else "",
            "held": queries.waiting_posts(user, board) if page == 1 else [],
            "ban_form": BanForm(durations=permissions.ban_durations(user)),
            "bannable": bannable,
            "here": request.get_full_path(),
        },
    )


@login_required
def log(request):
    user = request.user
    if not moderates_anything(user):
        raise PermissionDenied
    boards = list(moderated_boards(user).only("pk", "slug", "name", "name_en", "kind"))
    get = request.GET
    board = next((b for b in boards if b.slug == get.get("board")), None)
    filters = {"board": board, "kind": get.get("kind") if get.get("kind") in ModerationKind.values else ""}
    names = {name: (get.get(name) or "").strip()[:150] for name in ("moderator", "fan")}
    wanted = [n for n in names.values() if n and "\x00" not in n]
    found = {u.username: u for u in User.objects.filter(username__in=wanted)} if wanted else {}
    for name, username in names.items():
        if username:
            filters[name] = found.get(username, User(pk=0))  # an unknown name matches nothing
    page = page_param(get.get("page"))
    actions, pages = queries.moderation_log(user, page, **filters)
    banned = {a.fan for a in actions if a.kind == ModerationKind.BAN and a.fan and a.fan.is_banned}
    may_lift = {fan.pk for fan in banned if moderate.may_unban(user, fan)}  # "Lift the ban" only where it works
    query = "".join(
        f"{k}={v}&" for k, v in (("board", board.slug if board else ""), ("kind", filters["kind"]), *names.items()) if v
    )
    return render(
        request,
        "forum/moderation_log.html",
        {
            "boards": boards,
            "board": board,
            "kinds": ModerationKind.choices,
            "kind": filters["kind"],
            "names": names,
            "actions": actions,
            "pages": pages,
            "query": query,
            "may_lift": may_lift,
        },
    )


@login_required
def pending(request):
    """A fan's own posts held for review: waiting, approved (with a link) or not approved (and why)."""
    return render(request, "forum/pending.html", {"held": queries.held_by(request.user)})


# --- posts -------------------------------------------------------------------------------------


@login_required
def hide(request, pk):
    post = _moderated_post(request, pk)
    form = ReasonForm(request.POST or None)
    if _confirmed(request) and form.is_valid():
        try:
            moderate.hide_post(request.user, post, form.cleaned_data["reason"])
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The post is hidden; its author sees the reason."))
        return _back(request, post.get_absolute_url())
    if request.method == "POST" and not _confirmed(request):
        form = ReasonForm(initial={"reason": request.POST.get("reason", "")[:500]})  # the confirmation step
    return _form_page(
        request, post, form, reverse("forum:hide", args=[post.pk]), _("Hide this post?"), _("Hide the post")
    )


@login_required
@require_POST
def unhide(request, pk):
    post = _moderated_post(request, pk)
    moderate.unhide_post(request.user, post, request.POST.get("reason", ""))
    messages.success(request, _("The post shows again."))
    return _back(request, post.get_absolute_url())


@login_required
@require_POST
def restore(request, pk):
    """Staff bring a withdrawn thread back into public view (forum.moderation.moderate.restore_thread)."""
    thread = get_object_or_404(Thread.objects.select_related("board", "author"), pk=pk)
    if not can_see(request.user, thread.board) or not may_read_withdrawn(request.user, thread):
        raise Http404
    moderate.restore_thread(request.user, thread, request.POST.get("reason", ""))
    messages.success(request, _("The thread is public again."))
    return redirect(thread)


@login_required
def delete(request, pk):
    """The author deletes their post, or a moderator someone's; both confirm first."""
    post = _post(request, pk)
    user = request.user
    own = post.author_id == user.pk
    if not permissions.can_delete(user, post, post.thread.board):
        raise posting.refusal(user)
    if request.method != "POST":
        return redirect(post)
    if not _confirmed(request):
        form = ReasonForm(initial={"reason": request.POST.get("reason", "")[:500]})
        if own:
            form.fields["reason"].required = False
            form.fields["reason"].widget = form.fields["reason"].hidden_widget()
        return _form_page(
            request, post, form, reverse("forum:delete", args=[post.pk]), _("Delete this post?"), _("Delete the post")
        )
    if own:
        posting.delete_post(user, post)
    else:
        moderate.delete_post(user, post, request.POST.get("reason", ""))
    messages.success(request, _("The post was deleted."))
    return _back(request, post.get_absolute_url())


@login_required
def warn(request, pk):
    post = _moderated_post(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        moderate.warn(request.user, post, form.cleaned_data["reason"])
        messages.success(request, _("%(name)s was warned.") % {"name": post.author.public_name})
        return _back(request, post.get_absolute_url())
    return _form_page(
        request,
        post,
        form,
        reverse("forum:warn", args=[post.pk]),
        _("Warn %(name)s") % {"name": post.author.public_name},
        _("Send the warning"),
    )


@login_required
def ban(request, pk):
    """Ban a post's author: a tap in the queue or under the post opens this page, which asks first; it
    offers only the lengths the moderator may give, and a refusal is the form's error, reason kept."""
    post = _moderated_post(request, pk)
    user = request.user
    durations = permissions.ban_durations(user)
    board = post.thread.board
    if _confirmed(request):
        form = BanForm(request.POST, durations=durations)
        if form.is_valid():
            try:
                moderate.ban_author(user, post, form.cleaned_data["reason"], form.days())
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("%(name)s is banned.") % {"name": post.author.public_name})
                return _back(request, post.get_absolute_url())
    else:  # the first tap, from the queue (duration and reason filled in) or a link: confirm first
        source = request.POST if request.method == "POST" else {}
        initial = {"reason": source.get("reason", "")[:500], "duration": source.get("duration") or "7"}
        form = BanForm(initial=initial, durations=durations)
        if refused := moderate.ban_refusal(user, post.author, board, next(iter(durations))):
            _apply(form, refused)  # someone this moderator may not ban: say why, on the page
    return _form_page(
        request,
        post,
        form,
        reverse("forum:ban", args=[post.pk]),
        _("Ban %(name)s?") % {"name": post.author.public_name},
        _("Ban"),
        status=403 if not permissions.may_ban(user, post.author, board) else 200,
    )


# --- reports, threads, fans, held posts ----------------------------------------------------------


@login_required
@require_POST
def dismiss(request, pk):
    report = get_object_or_404(Report.objects.select_related("post__thread__board"), pk=pk)
    if not can_see(request.user, report.post.thread.board):
        raise Http404
    if not can_moderate(request.user, report.post.thread.board):
        raise PermissionDenied
    moderate.dismiss_report(request.user, report, request.POST.get("reason", "") or _("Dismissed"))
    messages.success(request, _("The report is dismissed; the post stays."))
    return _back(request, reverse(QUEUE))


def _move_form(request, thread, data=None) -> MoveForm:
    initial = {"board": thread.board_id} if data is None else None
    return MoveForm(
        data,
        boards=visible_boards(request.user),
        offered=permissions.move_destinations(request.user, thread),
        initial=initial,
    )


def _move_page(request, thread, form, status=200):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "forum/move.html", {"thread": thread, "form": form, "next": next_url}, status=status)


@login_required
@require_POST
def moderate_thread(request, pk):
    """Pin, unpin, lock, unlock, feature, unfeature or move a thread (with an optional reason the author
    is told). Locking asks first, as hiding does; a refused move is the move form's error."""
    thread = _moderated_thread(request, pk)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    if action == "lock" and not _confirmed(request):
        form = ReasonForm(initial={"reason": reason[:500]})
        form.fields["reason"].required = False
        return _form_page(
            request,
            None,
            form,
            reverse("forum:moderate", args=[thread.pk]),
            _("Lock “%(title)s”?") % {"title": thread.title},
            _("Lock the thread"),
            thread=thread,
            extra={"action": "lock"},
        )
    if action == "move":
        move_form = _move_form(request, thread, request.POST)
        if move_form.is_valid():
            try:
                moderate.move_thread(
                    request.user, thread, move_form.cleaned_data["board"], move_form.cleaned_data["reason"]
                )
            except ValidationError as error:
                _apply(move_form, error)
            else:
                messages.success(request, _("Done."))
                return _back(request, thread.get_absolute_url())
        return _move_page(request, thread, move_form, status=400)
    try:
        if action in ("pin", "unpin"):
            moderate.set_pinned(request.user, thread, action == "pin", reason)
        elif action in ("lock", "unlock"):
            moderate.set_locked(request.user, thread, action == "lock", reason)
        elif action in ("feature", "unfeature"):
            moderate.set_featured(request.user, thread, action == "feature", reason)
        else:
            messages.error(request, _("Choose an action."))
            return _back(request, thread.get_absolute_url())
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Done."))
    return _back(request, thread.get_absolute_url())


@login_required
def move(request, pk):
    thread = _moderated_thread(request, pk)
    return _move_page(request, thread, _move_form(request, thread))


@login_required
@require_POST
def unban(request, pk):
    fan = get_object_or_404(User, pk=pk)
    moderate.unban(request.user, fan, request.POST.get("reason", ""))
    messages.success(request, _("%(name)s may post again.") % {"name": fan.public_name})
    return _back(request, reverse("forum:moderation_log"))


def _held(request, pk: int) -> HeldPost:
    held = get_object_or_404(HeldPost.objects.select_related("board", "thread", "author"), pk=pk)
    if not can_see(request.user, held.board):
        raise Http404
    if not can_moderate(request.user, held.board):
        raise PermissionDenied
    return held


@login_required
@require_POST
def approve(request, pk):
    held = _held(request, pk)
    try:
        post = moderate.approve_held(request.user, held)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [])) or _("The post could not be posted."))
    else:
        messages.success(request, _("Approved: the post is at floor %(floor)d.") % {"floor": post.floor})
    return _back(request, reverse(QUEUE))


@login_required
@require_POST
def reject(request, pk):
    held = _held(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason: the author will see it."))
    else:
        moderate.reject_held(request.user, held, form.cleaned_data["reason"])
        messages.success(request, _("Not approved; the author is told why."))
    return _back(request, reverse(QUEUE))
