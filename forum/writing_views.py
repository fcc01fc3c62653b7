"""Pages and endpoints around writing: drafts (a small JSON endpoint the forms' script uses) and a
post's versions. Thin: each calls forum.drafts or forum.history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from forum import drafts, history, markup
from forum.boards import can_see
from forum.models import Board, Post, PostVersion, Thread

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
    """Every version of a post, rendered, with what changed (forum.history says who may see them)."""
    post = get_object_or_404(Post.objects.select_related("thread", "thread__board", "author"), pk=pk)
    shown = history.versions(request.user, post)
    return render(request, "forum/versions.html", {"post": post, "versions": shown})


@login_required
@require_POST
def version_visibility(request, pk, hidden: bool):
    """The author or a moderator hides an earlier version (or shows it again); forum.history checks who."""
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


def quote_initial(quote: Post | None) -> dict:
    """The reply form's start when a fan follows a post's Quote link without JavaScript: the post's
    rendered text as a Markdown quote with its author and a link to its floor (static/js/quote.js
    does the same with the fan's selection)."""
    if quote is None or not quote.is_visible:
        return {}
    text = markup.plain_text(quote.html)
    return {
        "quote": quote.pk,
        "body": markup.quote_markdown(quote.author.public_name, quote.floor, quote.get_absolute_url(), text),
    }
