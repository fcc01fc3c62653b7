"""Rendered HTML of posts, thread rows and search hits, memoised and keyed on their cards.

Rendering a post partial (a dozen tags, a URL, two dates, translations) costs far more than
fetching the post, so each fragment is kept in the site's HTML memo (fancity.lib.memo: the worker's
memory, then Redis). The key is a digest of the fragment's card (forum.reading.cards: a frozen dataclass
whose fields are what it shows, and all its template receives) plus the language, time zone and
template source, not a version number: an edit, a hide, a delete, a new display name or role of the
author, an edited quote all give a new key, so nothing has to be invalidated and nothing can be
forgotten. In the tests every fragment served from the memo is also rendered afresh and compared, so
a value shown but missing from its key fails a test.

Times are shown in words ("3 分钟前", fancity.lib.when.ago), which change with the clock while the
data stays the same; so the words themselves are one of the key's values (computed once per request
and passed to the template, which shows exactly them). A fragment made at 10:03 saying "3 分钟前" is
never served at 10:10: the words are "10 分钟前" then, which is another key. Only recent posts change
their words (each minute in the first hour, each hour that day); older ones read as a date and keep
their fragment.

A fragment holds only what every viewer sees alike. What depends on the viewer (like, edit and
delete buttons, the reason a post was hidden) is rendered around it in the page, or is one of the
card's fields where it is the same for many viewers (a board row's unread mark; the buttons' facts
are `post_actions`' key).
"""

from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from fancity.lib import memo, when
from forum.attachments import readable_logs
from forum.boards import BoardIndex
from forum.models import Thread
from forum.reading.cards import ActionsCard, PostCard, ThreadRow


def _keys(template_name: str, shown: Iterable[Iterable[Any]]) -> list[str]:
    """The memo key of each fragment of `template_name` that shows the values in `shown`."""
    _template, block = memo.template(template_name)
    return memo.keys(block, (tuple(values) for values in shown))


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


def _card(card) -> tuple:
    """A fragment's key values: its card (fancity.lib.cards), which is all its template receives; its
    `repr` holds every field, nested cards included."""
    return (card,)


def posts(items: Sequence[PostCard], anonymous: bool) -> list[SafeString]:
    """Each post as every viewer sees it (`forum/_post.html`, up to its buttons), keyed on its card.

    Anonymous viewers all see the same thing, so their fragment also holds the like count.
    """
    return render_cached("forum/_post.html", "post", items, _card, anonymous=anonymous)


def thread_rows(items: Sequence[ThreadRow]) -> list[SafeString]:
    """Each row of a board page (`forum/_thread_row.html`), keyed on its card. A row's unread mark is
    the same for every fan with unread floors there, so it is one of the card's fields (building 30
    such links per page with `reverse` showed in the profile)."""
    return render_cached("forum/_thread_row.html", "thread", items, _card)


def search_hits(items: Sequence) -> list[SafeString]:
    """Each search result (`forum/_search_hit.html`, highlighted), keyed on its card."""
    return render_cached("forum/_search_hit.html", "hit", items, _card)


def post_actions(
    request,
    read,
    *,
    edit_ids: set,
    delete_ids: set,
    thread: Thread,
    ban_ids: AbstractSet[int] = frozenset(),
    page: int,
    can_reply: bool,
    is_staff: bool,
    is_moderator: bool,
) -> list[SafeString]:
    """What the viewer sees under each post of `read` (forum.reading.queries.PagePosts), cached like the posts.

    That is nothing for an anonymous viewer or under a deleted post; under a hidden post, the reason
    (for its author and moderators) and a moderator's restore button; under any other, the logs the
    viewer may read and the buttons (`forum/_post_actions.html`).

    It depends on the viewer only through a few facts per post (liked it, may edit, may delete, may ban
    its author, wrote it, the logs they may read) and a few per page (the page, may reply, desk staff,
    moderator), which make its card (forum.reading.cards.ActionsCard), so fans in the same position share the
    fragments. Rendering them was a quarter of a signed-in thread page's CPU. The forms' CSRF token is
    the one thing that differs per request: the fragment holds a placeholder that is replaced with this
    request's token.
    """
    out = [mark_safe("")] * len(read.cards)
    if not request.user.is_authenticated:
        return out
    user = request.user
    shown = [
        (
            i,
            ActionsCard(
                id=post.id,
                floor=post.floor,
                like_count=post.like_count,
                author_name=post.author.public_name,
                hidden=post.hidden_at is not None,
                reason=read.hidden_reasons[post.id] if user.pk == post.author_id or is_moderator else None,
                logs=readable_logs(read.attachment_rows[post.id], user),
                liked=post.id in read.liked,
                own=user.pk == post.author_id,
                may_edit=post.id in edit_ids,
                may_delete=post.id in delete_ids,
                may_ban=post.id in ban_ids,
                may_mark_official=is_staff
                and thread.is_feedback
                and post.by_staff
                and post.floor > 1
                and thread.official_post_id != post.id,
                page=page,
                can_reply=can_reply,
                is_moderator=is_moderator,
            ),
        )
        for i, post in enumerate(read.cards)
        if post.deleted_at is None
    ]
    html = render_cached(
        "forum/_post_actions.html",
        "actions",
        [card for _, card in shown],
        _card,
        csrf_token=memo.TOKEN_SLOT,
    )
    token = get_token(request)
    for (i, _), fragment in zip(shown, html, strict=True):
        out[i] = mark_safe(memo.fill_token(fragment, token))
    return out


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
