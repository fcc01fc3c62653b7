"""A fan's forum lists: their bookmarks (收藏), and the threads and posts on their profile."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from fancity.lib.params import int_param, safe_next
from forum.models import Thread
from forum.permissions import can_see
from forum.reading import fragments, profile, queries
from forum.writing import bookmarks


@login_required
@require_POST
def bookmark(request, pk):
    """on=1 keeps the thread, on=0 drops it: sending the same form twice changes nothing."""
    try:
        thread = Thread.objects.select_related("board").get(pk=pk)
    except Thread.DoesNotExist:
        raise Http404 from None
    if not can_see(request.user, thread.board):
        raise Http404
    on = bookmarks.set_bookmark(request.user, thread, request.POST.get("on") == "1")
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"on": on})
    return redirect(safe_next(request, request.POST.get("next"), thread.get_absolute_url()))


@login_required
def bookmark_list(request):
    page = bookmarks.bookmarks_page(request.user, before=int_param(request.GET.get("before")))
    threads = [b.thread for b in page.bookmarks]
    read = queries.read_floors(request.user, threads)
    rows = [queries.thread_row(thread, read) for thread in threads]
    rows_shown = list(zip(rows, fragments.thread_rows(rows), strict=True))
    return render(request, "forum/bookmarks.html", {"page": page, "rows": rows_shown})


def _fan(username: str) -> User:
    return get_object_or_404(User.objects.fans().only("username", "display_name", "deleted_at"), username=username)


def fan_threads(request, username):
    fan = _fan(username)
    page = profile.fan_threads(request.user, fan, before=int_param(request.GET.get("before")))
    rows = [queries.thread_row(thread) for thread in page.rows]
    rows_shown = list(zip(rows, fragments.thread_rows(rows), strict=True))
    return render(
        request, "forum/profile_threads.html", {"fan": fan, "page": page, "rows": rows_shown, "tab": "threads"}
    )


def fan_posts(request, username):
    fan = _fan(username)
    page = profile.fan_posts(request.user, fan, before=int_param(request.GET.get("before")))
    return render(request, "forum/profile_posts.html", {"fan": fan, "page": page, "tab": "posts"})
