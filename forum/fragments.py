"""Rendered HTML of posts, thread rows and search hits, memoised and keyed on everything it shows.

Rendering a post partial (a dozen tags, a URL, two dates, translations) costs far more than
fetching the post, so each fragment is kept in the site's HTML memo (fancity.lib.memo: the worker's
memory, then Redis). The key is a digest of every value the fragment shows (plus the language, time
zone and template source), not a version number: an edit, a hide, a delete, a new display name or
role of the author, an edited quote all give a new key, so nothing has to be invalidated and nothing
can be forgotten. In the tests every fragment served from the memo is also rendered afresh and
compared, so a value shown but missing from its key fails a test.

Times are shown in words ("3 分钟前", fancity.lib.when.ago), which change with the clock while the
data stays the same; so the words themselves are one of the key's values (computed once per request
and passed to the template, which shows exactly them). A fragment made at 10:03 saying "3 分钟前" is
never served at 10:10: the words are "10 分钟前" then, which is another key. Only recent posts change
their words (each minute in the first hour, each hour that day); older ones read as a date and keep
their fragment.

A fragment holds only what every viewer sees alike. What depends on the viewer (like, edit and
delete buttons, the reason a post was hidden) is rendered around it in the page, or is one of the
key's values where it is the same for many viewers (a board row's unread mark, the buttons' facts).
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from fancity.lib import memo, when
from forum.boards import BoardIndex
from forum.models import Post, Thread
from forum.templatetags.forum import role_badge


def _keys(template_name: str, shown: Iterable[Iterable[Any]]) -> list[str]:
    """The memo key of each fragment of `template_name` that shows the values in `shown`."""
    _template, block = memo.template(template_name)
    return [memo.key(block, tuple(values)) for values in shown]


def render_cached(
    template_name: str, name: str, items: Sequence, inputs: Callable[[Any], tuple], **extra
) -> list[SafeString]:
    """`template_name` rendered with `{name: item, **extra}` for each item, from the HTML memo
    (fancity.lib.memo: this worker's, then Redis in one round trip).

    `inputs(item)` must return every value the template reads from the item.
    """
    page = sorted(extra.items())
    keys = _keys(template_name, ((*inputs(item), page) for item in items))
    template = get_template(template_name)
    return [
        mark_safe(html)
        for html in memo.render_many(
            template_name, keys, lambda i: template.render({name: items[i], **extra}), shared=True
        )
    ]


def _author(user) -> tuple:
    city = user.city
    return (
        user.pk,
        user.username,
        user.public_name,
        user.avatar.name,
        role_badge(user),
        city and (city.pk, city.name, city.name_en),
    )


def _post_inputs(post: Post) -> tuple:
    quote = post.quote
    return (
        post.pk,
        post.floor,
        post.by_staff,
        post.by_op,
        post.created_at,
        post.created_words,
        post.edited_at,
        post.deleted_at is not None,
        post.hidden_at is not None,
        post.like_count,
        post.html,
        _author(post.author),
        quote and (quote.pk, quote.floor, quote.is_visible, quote.html, quote.author.public_name),
        getattr(post, "images", ()),  # forum.attachments.decorate: a thumbnail made since gives a new key
    )


def posts(items: Sequence[Post], anonymous: bool, thread_author_id: int | None = None) -> None:
    """Set `post.fragment` (`forum/_post.html`: the post up to its buttons) on each post.

    Anonymous viewers all see the same thing, so their fragment also holds the like count. A post by
    the thread's author (`thread_author_id`) after floor 1 carries the 楼主 (OP) badge; floor 1's own
    label already says 楼主.
    """
    now = when.clock()
    for post in items:
        post.by_op = post.floor > 1 and post.author_id == thread_author_id
        post.created_words = when.ago(post.created_at, now)
    for post, html in zip(
        items, render_cached("forum/_post.html", "post", items, _post_inputs, anonymous=anonymous), strict=True
    ):
        post.fragment = html


def _thread_inputs(thread: Thread) -> tuple:
    return (
        thread.pk,
        thread.title,
        thread.is_pinned,
        thread.is_locked,
        thread.is_featured,
        thread.status,
        thread.feedback_kind,
        thread.author.public_name,
        thread.reply_count,
        thread.view_count,
        thread.me_too_count,
        thread.last_poster and thread.last_poster.public_name,
        thread.last_post_at,
        thread.last_words,
        thread.unread,
    )


def thread_rows(items: Sequence[Thread], read_floors: dict[int, int] | None = None) -> None:
    """Set `thread.fragment` (one row of a board page, `forum/_thread_row.html`) on each thread.

    `read_floors` (the signed-in viewer's, `queries.read_floors`) sets `thread.unread` where there are
    floors past theirs: the row then links to the first unread floor. That is the same for every fan
    with unread floors there, so it is part of the cached row (building 30 such links per page with
    `reverse` showed in the profile)."""
    now = when.clock()
    for thread in items:
        thread.unread = read_floors is not None and thread.post_count > read_floors.get(thread.pk, 0)
        thread.last_words = when.ago(thread.last_post_at, now)
    for thread, html in zip(
        items, render_cached("forum/_thread_row.html", "thread", items, _thread_inputs), strict=True
    ):
        thread.fragment = html


def _hit_inputs(hit) -> tuple:
    post, board = hit.post, hit.post.thread.board
    return (
        hit.terms,
        post.pk,
        post.floor,
        post.thread.title,
        post.html,
        board.pk,
        board.name,
        board.name_en,
        post.author.public_name,
        post.created_at,
        hit.words,
        hit.more,
        hit.more_url,
    )


def search_hits(items: Sequence) -> None:
    """Set `hit.fragment` (one result, `forum/_search_hit.html`, highlighted) on each search hit."""
    for hit, html in zip(items, render_cached("forum/_search_hit.html", "hit", items, _hit_inputs), strict=True):
        hit.fragment = html


def post_actions(
    request,
    posts: Sequence[Post],
    *,
    liked: set,
    edit_ids: set,
    delete_ids: set,
    thread: Thread,
    ban_ids: frozenset = frozenset(),
    **shared,
) -> None:
    """Set `post.actions` on each post: what the viewer sees under it, cached like the posts themselves.

    That is nothing for an anonymous viewer or under a deleted post; under a hidden post, the reason
    (for its author and moderators) and a moderator's restore button; under any other, the logs the
    viewer may read and the buttons (`forum/_post_actions.html`).

    It depends on the viewer only through a few facts per post (liked it, may edit, may delete, may ban
    its author, wrote it, the logs they may read) and a few per page (`shared`: the page, may reply, desk staff,
    moderator), so the key holds those facts rather than the viewer, and fans in the same position
    share the fragments. Rendering them was a quarter of a signed-in thread page's CPU. The forms' CSRF
    token is the one thing that differs per request: the fragment holds a placeholder that is replaced
    with this request's token.
    """
    for post in posts:
        post.actions = ""
    if not request.user.is_authenticated:
        return
    posts = [post for post in posts if post.deleted_at is None]
    template_name = "forum/_post_actions.html"
    user = request.user
    page_facts = (sorted(shared.items()), thread.is_feedback, thread.official_post_id)
    keys = _keys(
        template_name,
        (
            (
                post.pk,
                post.floor,
                post.like_count,
                post.by_staff,
                post.author.public_name,
                post.pk in ban_ids,
                post.pk in liked,
                post.pk in edit_ids,
                post.pk in delete_ids,
                user.pk == post.author_id,
                post.hidden_at is not None,
                post.hidden_reason,
                post.logs,
                page_facts,
            )
            for post in posts
        ),
    )
    template = get_template(template_name)
    context = {
        "liked": liked,
        "edit_ids": edit_ids,
        "delete_ids": delete_ids,
        "ban_ids": ban_ids,
        "thread": thread,
        "user": user,
        "csrf_token": memo.TOKEN_SLOT,
        **shared,
    }
    token = get_token(request)
    for post, html in zip(
        posts,
        memo.render_many(template_name, keys, lambda i: template.render({"post": posts[i], **context}), shared=True),
        strict=True,
    ):
        post.actions = mark_safe(memo.fill_token(html, token))


def board_index(index: BoardIndex) -> SafeString:
    """The forum index's list of boards (`forum/_board_index.html`), memoised on the boards' digest and
    the words of each last post's time (so that "3 分钟前" is never served at 10:10)."""
    now = when.clock()
    words = tuple(when.ago(moment, now) if moment else "" for moment in index.times)
    return mark_safe(
        memo.render_template(
            "forum/_board_index.html",
            lambda: {"rows": tuple(zip(index.lines, words, strict=True))},
            (index.digest, words),
        )
    )


def board_select(index: BoardIndex, selected: str) -> SafeString:
    """Search's board filter (`forum/_board_select.html`), memoised on the boards' digest and the one
    selected."""
    return mark_safe(
        memo.render_template(
            "forum/_board_select.html",
            lambda: {"options": [(line.slug, line.label) for line in index.lines], "selected": selected},
            (index.digest, selected),
        )
    )
