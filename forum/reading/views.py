"""Forum pages: thin views that parse the request, call one function from forum/*, and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.roles import is_desk_staff
from community.devices import device_names
from fancity.lib.params import MAX_PAGE, int_param, page_param
from forum import attachments, permissions
from forum.boards import board_index
from forum.forms import (
    MoveForm,
    ReplyForm,
    SearchForm,
    StatusForm,
    quote_initial,
)
from forum.models import POSTS_PER_PAGE, Board, FeedbackKind, FeedbackStatus, Post, Thread
from forum.permissions import can_moderate, can_see, may_read_withdrawn, may_restore_thread, visible_boards
from forum.reading import fragments, hot, queries, search, view_counts
from forum.writing import posting


def visible_board(request, slug: str) -> Board:
    board = queries.board_for_page(slug)
    if board is None or not can_see(request.user, board):
        raise Http404
    return board


def visible_thread(request, pk: int, with_state: bool = False) -> Thread:
    """The thread, 404 if the viewer may not see it; `with_state`: their state on it in the same query."""
    try:
        thread = queries.thread_for_page(pk, viewer=request.user if with_state else None)
    except Thread.DoesNotExist:
        raise Http404 from None
    if not can_see(request.user, thread.board) or not may_read_withdrawn(request.user, thread):
        raise Http404
    return thread


def visible_post(request, pk: int) -> Post:
    post = get_object_or_404(Post.objects.select_related("thread", "thread__board", "author"), pk=pk)
    if not can_see(request.user, post.thread.board) or not may_read_withdrawn(request.user, post.thread):
        raise Http404
    return post


def index(request):
    return render(request, "forum/index.html", {"board_list": fragments.board_index(board_index(request.user))})


def board(request, slug):
    board = visible_board(request, slug)
    page = page_param(request.GET.get("page"))
    filters = {}
    featured = request.GET.get("featured") == "1"
    if featured:
        threads, pages = queries.featured_threads(board, page, viewer=request.user)
    elif board.is_feedback:
        filters = {k: request.GET.get(k, "") for k in ("status", "kind", "sort", "device")}
        threads, pages = queries.feedback_threads(board, page, **filters, viewer=request.user)
    else:
        threads, pages = queries.board_threads(board, page, viewer=request.user)
    # The viewer's unread marks came with the rows: no query.
    return render(
        request,
        "forum/board.html",
        {
            "board": board,
            "threads": list(zip(threads, fragments.thread_rows(threads), strict=True)),
            "pages": pages,
            "filters": filters,
            "statuses": FeedbackStatus.choices,
            "kinds": FeedbackKind.choices,
            "device_names": (names := device_names() if board.is_feedback else ()),
            "device_key": "\n".join(names),  # the filter's device list, as the kept block's key
            "can_start": permissions.can_start_thread(request.user, board),
            "featured": featured,
            # From the cache (one GET; one small query when it misses), on the first page of the full list.
            "hot": hot.for_board(board) if page == 1 and not featured and not any(filters.values()) else [],
        },
    )


def thread(request, pk):
    thread = visible_thread(request, pk, with_state=True)
    if "floor" in request.GET:
        return _jump_to_floor(request, thread)
    user = request.user
    only_op = request.GET.get("op") == "1"
    op_pages = None
    if only_op:  # 只看楼主: the thread author's floors, paged by key
        posts, op_pages = queries.op_posts(
            thread,
            after=int_param(request.GET.get("after")),
            before=int_param(request.GET.get("before")),
            viewer=user,
        )
        page = thread.page_of_floor(posts.cards[0].floor) if posts.cards else 1
    else:
        page = page_param(request.GET.get("page"), thread.page_count)
        posts = queries.thread_posts(thread, page, viewer=user)
    state = queries.thread_state(user, thread)  # read with the thread: no query
    quote = None
    if quote_id := int_param(request.GET.get("quote")):
        quote = Post.objects.filter(thread=thread, pk=quote_id).select_related("author").first()
    form = ReplyForm(initial=quote_initial(quote))
    context = thread_context(request, thread, page, posts, form, quote)
    first_unread = state.read_floor + 1 if state.read_floor < thread.post_count else None
    context.update(
        watching=state.watching,
        me_too=state.me_too,
        bookmarked=state.bookmarked,
        first_unread=first_unread,
        only_op=only_op,
        op_pages=op_pages,
    )
    view_counts.count_view(thread)
    # The read mark only moves forward, so a page that shows nothing past it writes nothing (a re-read).
    # The OP's floors are not every floor up to the last one shown.
    if posts.cards and not only_op and posts.cards[-1].floor > state.read_floor:
        posting.mark_read(user, thread, posts.cards[-1].floor)
    return render(request, "forum/thread.html", context)


def _jump_to_floor(request, thread):
    """?floor=N (the jump box, which works without JavaScript): the page that holds floor N, at #floor-N.
    Past the last floor goes to the last one; anything that is not a floor number says so."""
    last = max(thread.post_count, 1)
    floor = int_param(request.GET.get("floor", "").strip(), maximum=MAX_PAGE * POSTS_PER_PAGE)
    if floor is None:
        messages.error(request, _("Enter a floor number from 1 to %(last)s.") % {"last": last})
        return HttpResponseRedirect(thread.get_absolute_url())
    if floor > last:
        messages.info(
            request,
            ngettext(
                "This thread has %(last)s floor; here it is.",
                "This thread has %(last)s floors; here is the last one.",
                last,
            )
            % {"last": last},
        )
        floor = last
    return HttpResponseRedirect(f"{thread.get_absolute_url()}?page={thread.page_of_floor(floor)}#floor-{floor}")


def thread_context(request, thread, page, posts, form, quote, preview=None):
    user = request.user
    is_mod = can_moderate(user, thread.board)
    if not (is_desk_staff(user) and thread.is_feedback):
        form.fields.pop("official", None)
    if not thread.is_feedback:
        form.fields.pop("logs", None)
    cards = posts.cards
    can_reply = permissions.can_reply(user, thread)
    edit_ids = {p.pk for p in cards if permissions.can_edit(user, p)}
    delete_ids = {p.pk for p in cards if permissions.can_delete(user, p, thread.board, moderates=is_mod)}
    actions = fragments.post_actions(
        request,
        posts,
        edit_ids=edit_ids,
        delete_ids=delete_ids,
        ban_ids=permissions.bannable_authors(user, cards, thread.board) if is_mod else frozenset(),
        thread=thread,
        page=page,
        can_reply=can_reply,
        is_staff=is_desk_staff(user),
        is_moderator=is_mod,
    )
    official = thread.official_post if thread.official_post_id else None
    return {
        "thread": thread,
        "board": thread.board,
        "posts": cards,
        # Both from the cache (forum.reading.fragments): the post as everyone sees it, and what this
        # viewer sees under it.
        "shown_posts": list(
            zip(cards, fragments.posts(cards, anonymous=not user.is_authenticated), actions, strict=True)
        ),
        "official_answer": official if official and official.is_visible else None,
        "page": page,
        "pages": queries.Pages(page, thread.page_count, page < thread.page_count),
        "status_log": queries.status_log(thread),
        "form": form,
        "quote": quote,
        "preview": preview,
        "can_reply": can_reply,
        "is_moderator": is_mod,
        "status_form": StatusForm(initial={"status": thread.status})
        if is_desk_staff(user) and thread.is_feedback
        else None,
        "move_form": MoveForm(
            boards=visible_boards(user),
            offered=permissions.move_destinations(user, thread),
            initial={"board": thread.board_id},
        )
        if is_mod
        else None,
        "may_restore": thread.hidden_at is not None and may_restore_thread(user),
    }


def post_link(request, pk):
    """A permalink: the page of the thread that holds this floor."""
    post = visible_post(request, pk)
    thread = post.thread
    page = thread.page_of_floor(post.floor)
    return HttpResponseRedirect(f"{thread.get_absolute_url()}?page={page}#floor-{post.floor}")


def first_unread(request, pk):
    thread = visible_thread(request, pk, with_state=True)
    floor = min(queries.thread_state(request.user, thread).read_floor + 1, thread.post_count)
    return HttpResponseRedirect(f"{thread.get_absolute_url()}?page={thread.page_of_floor(floor)}#floor-{floor}")


def search_page(request):
    """Words, filters (board, author, dates) and order; one result per thread, or every matching post of
    one thread (`thread=`), MAX_PAGES pages at most. Bad values are form errors (forum.forms.SearchForm)."""
    form = SearchForm(request.GET if request.GET else None, request.user)
    results = pages = None
    query = ""
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        query = form.query_string()
        found = search.find(
            request.user,
            data["q"],
            form.scope(),
            sort=data["sort"] or search.RELEVANCE,
            page=data["page"] or 1,
            query=query,
        )
        results = []
        if found is not None:
            results = list(zip(found.hits, fragments.search_hits(found.hits), strict=True))
            pages = queries.Pages(found.page, found.pages, found.page < found.pages)
    data = form.cleaned_data if form.is_bound else {}
    all_threads = query
    if data.get("thread"):
        query += f"&thread={data['thread'].pk}"
    return render(
        request,
        "forum/search.html",
        {
            "form": form,
            "q": form["q"].value() or "",
            "board_slug": form["board"].value() or "",
            "in_thread": data.get("thread"),
            "board_select": fragments.board_select(board_index(request.user), form["board"].value() or ""),
            "results": results,
            "pages": pages,
            "page_query": query + "&" if query else "",
            "all_threads_query": all_threads,
            "max_pages": search.MAX_PAGES,
            "device_names": device_names(),
        },
        status=400 if form.errors else 200,
    )


def image(request, pk, thumb=False):
    """An image of a hidden post or a withdrawn thread, which has no public URL: streamed to those who
    may read its post; 404 for everyone else."""
    file, attachment = attachments.open_image(request.user, pk, thumb=thumb)
    response = FileResponse(file, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment(request, pk):
    """A private file (a log), streamed to its uploader or the service desk; 404 for everyone else."""
    file, attachment = attachments.open_private(request.user, pk)
    response = FileResponse(file, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
