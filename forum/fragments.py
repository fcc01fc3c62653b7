"""Rendered HTML of posts, thread rows and search hits, cached in Redis and keyed on their cards.

Rendering a post partial (a dozen tags, a URL, two dates, translations) costs far more than
fetching the post, so each fragment is kept in the cache. The key is a digest of the fragment's card
(forum.cards: a frozen dataclass whose fields are what it shows, and all its template receives) plus
the language and time zone, not a version number: an edit, a hide, a delete,
a new display name or role of the author, an edited quote all give a new key, so nothing has to
be invalidated and nothing can be forgotten. Old keys simply expire.

Because a key names its content, a worker can also keep the fragments it served in its own memory
(`_recent`) without ever serving a stale one: a page whose fragments it has seen costs no Redis
round trip and no unpickling.

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

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from fancity.lib import kept
from forum.attachments import readable_logs
from forum.cards import ActionsCard, PostCard, ThreadRow
from forum.models import Thread

# Long enough that a popular thread's pages stay warm, short enough that stale keys go away.
TIMEOUT = 24 * 3600


@functools.cache
def _source_digest(template_name: str) -> str:
    """So that a deploy that changes the template does not serve yesterday's fragments."""
    return hashlib.blake2b(get_template(template_name).template.source.encode(), digest_size=8).hexdigest()


def _keys(template_name: str, shown: Iterable[Iterable[Any]]) -> list[str]:
    """The cache key of each fragment of `template_name` that shows the values in `shown`."""
    prefix = f"forum:fragment:{_source_digest(template_name)}:"
    reader = (get_language(), get_current_timezone_name())
    return [prefix + hashlib.blake2b(repr((*reader, *values)).encode(), digest_size=16).hexdigest() for values in shown]


_recent = kept.Kept(size=20_000_000)  # characters: ~20-80 MB a worker


def _get_many(keys: Sequence[str]) -> dict[str, str]:
    """What this worker keeps of `keys`, the rest from Redis (then kept here too)."""
    found = _recent.get_many(keys)
    if missing := [key for key in keys if key not in found]:
        from_redis = cache.get_many(missing)
        _recent.remember(from_redis)
        found.update(from_redis)
    return found


def _set_many(fragments: dict[str, str]) -> None:
    _recent.remember(fragments)
    cache.set_many(fragments, TIMEOUT)


def render_cached(
    template_name: str, name: str, items: Sequence, inputs: Callable[[Any], tuple], **extra
) -> list[SafeString]:
    """`template_name` rendered with `{name: item, **extra}` for each item, in one cache round trip.

    `inputs(item)` must return every value the template reads from the item.
    """
    page = sorted(extra.items())
    keys = _keys(template_name, ((*inputs(item), page) for item in items))
    found = _get_many(keys)
    fresh = {}
    template = None
    out = []
    for key, item in zip(keys, items, strict=True):
        html = found.get(key)
        if html is None:
            template = template or get_template(template_name)
            html = fresh[key] = template.render({name: item, **extra})
        out.append(mark_safe(html))
    if fresh:
        _set_many(fresh)
    return out


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
    ban_ids: frozenset = frozenset(),
    page: int,
    can_reply: bool,
    is_staff: bool,
    is_moderator: bool,
) -> list[SafeString]:
    """What the viewer sees under each post of `read` (forum.queries.PagePosts), cached like the posts.

    That is nothing for an anonymous viewer or under a deleted post; under a hidden post, the reason
    (for its author and moderators) and a moderator's restore button; under any other, the logs the
    viewer may read and the buttons (`forum/_post_actions.html`).

    It depends on the viewer only through a few facts per post (liked it, may edit, may delete, may ban
    its author, wrote it, the logs they may read) and a few per page (the page, may reply, desk staff,
    moderator), which make its card (forum.cards.ActionsCard), so fans in the same position share the
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
        csrf_token=kept.CSRF_PLACEHOLDER,
    )
    token = get_token(request)
    for (i, _), fragment in zip(shown, html, strict=True):
        out[i] = mark_safe(kept.with_token(fragment, token))
    return out
