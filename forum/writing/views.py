"""Pages and endpoints that write: a new thread, a reply, an edit, likes, watching, "me too", a feedback
status, an official answer, a report, drafts (a small JSON endpoint the forms' script uses) and a post's
versions. Thin: each checks that the reader may see the thread (forum.reading.views) and calls one
function of forum.writing or forum.moderation.moderate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import is_desk_staff
from fancity.lib.uploads import refused_uploads
from forum import attachments, permissions
from forum.forms import EditForm, FeedbackThreadForm, ReasonForm, ReplyForm, StatusForm, ThreadForm
from forum.models import Board, Post, PostVersion, Thread
from forum.moderation import moderate
from forum.permissions import can_see
from forum.reading import queries
from forum.reading.views import thread_context, visible_board, visible_post, visible_thread
from forum.writing import drafts, feedback, history, limits, posting, screening
from forum.writing.limits import PostingLimited
from forum.writing.markup import render as render_markdown
from forum.writing.screening import HeldForReview

# A draft is at most a post's body and title plus the form's encoding; anything larger is refused unread.
MAX_REQUEST = 200_000


def _draft_response(request, thread: Thread | None = None, board: Board | None = None):
    if request.method == "GET":
        draft = drafts.get_draft(request.user, thread=thread, board=board)
        if draft is None:  # nothing saved: not an error, so the browser logs none on every thread page
            return HttpResponse(status=204)
        return JsonResponse({"body": draft.body, "title": draft.title, "updated_at": draft.updated_at.isoformat()})
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        draft = drafts.save_draft(
            request.user,
            request.POST.get("body", ""),
            request.POST.get("title", ""),
            thread=thread,
            board=board,
        )
    except drafts.TooManySaves:
        return JsonResponse({"error": "too many saves"}, status=429)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    if draft is None:
        return HttpResponse(status=204)
    return JsonResponse({"saved": draft.updated_at.isoformat()})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_draft(request, pk):
    """The signed-in fan's draft reply to a thread they can see: GET it (204 if none), POST to save."""
    thread = get_object_or_404(Thread.objects.select_related("board"), pk=pk)
    if not can_see(request.user, thread.board):
        raise Http404
    return _draft_response(request, thread=thread)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def board_draft(request, slug):
    """The signed-in fan's draft of a new thread on a board they can see."""
    board = get_object_or_404(Board, slug=slug)
    if not can_see(request.user, board):
        raise Http404
    return _draft_response(request, board=board)


def versions(request, pk):
    """Every version of a post, rendered, with what changed (forum.writing.history says who may see them)."""
    post = get_object_or_404(Post.objects.select_related("thread", "thread__board", "author"), pk=pk)
    shown = history.versions(request.user, post)
    return render(request, "forum/versions.html", {"post": post, "versions": shown})


@login_required
@require_POST
def version_visibility(request, pk, hidden: bool):
    """The author or a moderator hides an earlier version (or shows it again); forum.writing.history checks who."""
    version = get_object_or_404(PostVersion.objects.select_related("post__thread__board"), pk=pk)
    post = version.post
    if not history.may_see_versions(request.user, post):
        raise Http404
    if hidden:
        history.hide_version(request.user, version, request.POST.get("reason", ""))
        messages.success(request, _("That version is hidden."))
    else:
        history.unhide_version(request.user, version, request.POST.get("reason", ""))
        messages.success(request, _("That version shows again."))
    return redirect(reverse("forum:versions", args=[post.pk]))


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _preview(request, form) -> str | None:
    """The form's body rendered for a preview, or None with a form error once the fan's preview
    budget is spent. Nothing is written; the body was already held to MAX_BODY by the form."""
    try:
        limits.check_preview(request.user)
    except PostingLimited as error:
        _apply_errors(form, error)
        return None
    return render_markdown(form.cleaned_data["body"])


def _uploads(request, form, allow_logs: bool) -> attachments.Uploads:
    """The files of a posting form, checked by forum.attachments (ValidationError names each refused one)."""
    return attachments.inspect(
        form.cleaned_data.get("images") or [],
        form.cleaned_data.get("logs") or [],
        allow_logs,
        refused=refused_uploads(request),
    )


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _wanted_state(request) -> bool | None:
    """on=1 or on=0 from a like or "me too" form (so that sending it twice changes nothing); None switches."""
    return {"1": True, "0": False}.get(request.POST.get("on"))


@login_required
def new_thread(request, slug):
    board = visible_board(request, slug)
    if not permissions.can_start_thread(request.user, board):
        raise posting.refusal(request.user)
    form_class = FeedbackThreadForm if board.is_feedback else ThreadForm
    form = form_class(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = _preview(request, form)
        else:
            data = dict(form.cleaned_data)
            data.pop("images", None), data.pop("logs", None)
            try:
                uploads = _uploads(request, form, allow_logs=board.is_feedback)
                thread = posting.start_thread(
                    request.user, board, data.pop("title"), data.pop("body"), files=uploads, **data
                )
            except HeldForReview as held:
                screening.hold(held)
                messages.info(request, held.message)
                return redirect("forum:pending")
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                return redirect(thread)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "forum/new_thread.html", {"board": board, "form": form, "preview": preview}, status=status)


@login_required
def reply(request, pk):
    thread = visible_thread(request, pk)
    if request.method != "POST":
        return redirect(thread)
    if not permissions.can_reply(request.user, thread):
        raise posting.refusal(request.user)
    form = ReplyForm(request.POST, request.FILES)
    quote = None
    preview = None
    if form.is_valid():
        if form.cleaned_data["quote"]:
            quote = Post.objects.filter(thread=thread, pk=form.cleaned_data["quote"]).select_related("author").first()
        if "preview" in request.POST:
            preview = _preview(request, form)
        else:
            try:
                uploads = _uploads(request, form, allow_logs=thread.is_feedback)
                post = posting.post_reply(request.user, thread, form.cleaned_data["body"], quote=quote, files=uploads)
                if form.cleaned_data["official"] and is_desk_staff(request.user) and thread.is_feedback:
                    feedback.mark_official_answer(request.user, post)
            except HeldForReview as held:
                screening.hold(held)
                messages.info(request, held.message)
                return redirect("forum:pending")
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                return redirect(post)
    page = thread.page_count
    posts = queries.thread_posts(thread, page, viewer=request.user)
    context = thread_context(request, thread, page, posts, form, quote, preview)
    return render(request, "forum/thread.html", context, status=200 if preview is not None else 400)


@login_required
def edit(request, pk):
    post = visible_post(request, pk)
    if not permissions.can_edit(request.user, post):
        raise posting.refusal(request.user, editing=post)
    first = post.floor == 1
    form = EditForm(
        request.POST or None,
        request.FILES or None,
        initial={"body": post.body, "title": post.thread.title if first else ""},
        attachments=[
            (a.pk, a.name)
            for a in post.attachments.order_by("pk")
            if a.kind == "image" or permissions.may_read_private(request.user, a.uploader_id)
        ],
    )
    if not first:
        del form.fields["title"]
    if not post.thread.is_feedback:
        del form.fields["logs"]
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = _preview(request, form)
        else:
            try:
                posting.edit_post(
                    request.user,
                    post,
                    form.cleaned_data["body"],
                    title=form.cleaned_data.get("title") or None,
                    files=_uploads(request, form, allow_logs=post.thread.is_feedback),
                    remove=form.cleaned_data.get("remove") or [],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                return redirect(post)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "forum/edit.html", {"post": post, "form": form, "preview": preview}, status=status)


@login_required
@require_POST
def like(request, pk):
    post = visible_post(request, pk)
    liked, count = posting.toggle_like(request.user, post, _wanted_state(request))
    if _wants_json(request):
        return JsonResponse({"on": liked, "count": count})
    return redirect(post)


@login_required
@require_POST
def watch(request, pk):
    thread = visible_thread(request, pk)
    on = request.POST.get("on") == "1"
    posting.set_watching(request.user, thread, on)
    if _wants_json(request):
        return JsonResponse({"on": on})
    return redirect(thread)


@login_required
@require_POST
def me_too(request, pk):
    thread = visible_thread(request, pk)
    on, count = feedback.toggle_me_too(request.user, thread, _wanted_state(request))
    if _wants_json(request):
        return JsonResponse({"on": on, "count": count})
    return redirect(thread)


@login_required
@require_POST
def change_status(request, pk):
    thread = visible_thread(request, pk)
    if not is_desk_staff(request.user):
        raise PermissionDenied
    form = StatusForm(request.POST)
    if form.is_valid():
        original = None
        if form.cleaned_data["duplicate_of"]:
            original = Thread.objects.filter(pk=form.cleaned_data["duplicate_of"]).first()
        try:
            feedback.change_feedback_status(
                request.user, thread, form.cleaned_data["status"], form.cleaned_data["note"], duplicate_of=original
            )
            messages.success(request, _("Status changed."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Choose a status."))
    return redirect(thread)


@login_required
@require_POST
def official(request, pk):
    post = visible_post(request, pk)
    try:
        feedback.mark_official_answer(request.user, post)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(post)


def _reason_page(request, post, form, action, title):
    return render(
        request,
        "forum/reason.html",
        {"post": post, "form": form, "action": action, "title": title},
        status=400 if form.errors else 200,
    )


@login_required
def report(request, pk):
    post = visible_post(request, pk)
    if not permissions.can_write(request.user):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        moderate.report_post(request.user, post, form.cleaned_data["reason"])
        messages.success(request, _("Thank you. The moderators will look at this post."))
        return redirect(post)
    return _reason_page(request, post, form, reverse("forum:report", args=[post.pk]), _("Report a post"))
