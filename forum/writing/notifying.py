"""What a thread tells the fans who follow it, folded per thread and kind, and how it reads when shown.

Replies to a watched thread, quotes of a fan's posts and mentions of them are folded, the way Discourse
does it: while a fan has not read it, one notification per thread and kind counts the events, names the
latest actor and keeps the first unread post (`accounts.notifications.notify_folded`). Reading the
thread past that post, or opening the notification, marks it read; the next event starts a new one.

It is described when shown (settings.NOTIFICATION_SUBJECTS -> `describe`): the thread's title of now,
a link to the first post from the first unread one on that is still readable (else the thread), and
nothing at all for a fan who may no longer read the thread (moved to the beta board, withdrawn, gone).
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import notifications
from accounts.models import Notification, NotificationKind, User
from fancity.lib import raw
from forum.models import Post, Thread
from forum.permissions import can_see, may_read_withdrawn
from forum.visibility import post_shown_sql


def group_of(thread: Thread) -> str:
    return f"thread:{thread.pk}"


def _thread_id(group: str) -> int | None:
    prefix, _sep, rest = group.partition(":")
    return int(rest) if prefix == "thread" and rest.isdigit() and len(rest) < 19 else None


def tell(users, kind: str, make_text, post: Post, thread: Thread, actor: User) -> None:
    """One more `kind` event (`post`, by `actor`) for each of `users`, folded into their unread one."""
    notifications.notify_folded(users, kind, make_text, post.get_absolute_url(), group_of(thread), actor, post.pk)


def seen(user: User, thread: Thread, floor: int) -> None:
    """`user` has read `thread` up to `floor`: its folded notifications whose first post they have now
    seen are read (no query when they have nothing unread)."""
    upto = Post.objects.filter(pk=OuterRef("target_id"), thread_id=thread.pk, floor__lte=floor)
    notifications.mark_group_read(user, group_of(thread), Exists(upto))


# The first post still readable at or after each notification's first unread post: its floor.
_LANDING_SQL = f"""
SELECT w.nid, p.floor
FROM unnest(%s::bigint[], %s::bigint[]) AS w(nid, target)
JOIN {Post._meta.db_table} t ON t.id = w.target
CROSS JOIN LATERAL (
  SELECT p.floor FROM {Post._meta.db_table} p
  WHERE p.thread_id = t.thread_id AND p.floor >= t.floor AND {post_shown_sql("p")}
  ORDER BY p.floor LIMIT 1
) p
"""


def _text(n: Notification, title: str) -> str:
    """The folded notification's text in the current language, with the thread's current title."""
    name = n.actor.public_name if n.actor_id and n.actor else ""
    values = {"count": n.count, "title": title, "name": name}
    if n.kind == NotificationKind.MENTION:
        if name and n.count == 1:
            return _("%(name)s mentioned you in “%(title)s”") % values
        if name:
            return (
                ngettext(
                    "%(count)d mention of you in “%(title)s”, the latest by %(name)s",
                    "%(count)d mentions of you in “%(title)s”, the latest by %(name)s",
                    n.count,
                )
                % values
            )
        return (
            ngettext("%(count)d mention of you in “%(title)s”", "%(count)d mentions of you in “%(title)s”", n.count)
            % values
        )
    if n.kind == NotificationKind.QUOTE:
        if name and n.count == 1:
            return _("%(name)s quoted your post in “%(title)s”") % values
        if name:
            return (
                ngettext(
                    "%(count)d quote of your posts in “%(title)s”, the latest by %(name)s",
                    "%(count)d quotes of your posts in “%(title)s”, the latest by %(name)s",
                    n.count,
                )
                % values
            )
        return (
            ngettext(
                "%(count)d quote of your posts in “%(title)s”", "%(count)d quotes of your posts in “%(title)s”", n.count
            )
            % values
        )
    if name and n.count == 1:
        return _("%(name)s replied to “%(title)s”") % values
    if name:
        return (
            ngettext(
                "%(count)d new reply in “%(title)s”, the latest by %(name)s",
                "%(count)d new replies in “%(title)s”, the latest by %(name)s",
                n.count,
            )
            % values
        )
    return ngettext("%(count)d new reply in “%(title)s”", "%(count)d new replies in “%(title)s”", n.count) % values


def describe(user: User, items: list[Notification]) -> dict[int, notifications.Shown | None]:
    """The notifications of threads as `user` sees them now (settings.NOTIFICATION_SUBJECTS): two
    queries for any number of them. The actor should come with them (`select_related("actor")`)."""
    ids = {tid for n in items if (tid := _thread_id(n.group)) is not None}
    threads = {t.pk: t for t in Thread.objects.filter(pk__in=ids).select_related("board")} if ids else {}
    folded = [n for n in items if n.folds and n.target_id]
    landing = dict(raw.fetch(_LANDING_SQL, [[n.pk for n in folded], [n.target_id for n in folded]])) if folded else {}
    shown: dict[int, notifications.Shown | None] = {}
    for n in items:
        tid = _thread_id(n.group)
        thread = threads.get(tid) if tid is not None else None
        if thread is None or not can_see(user, thread.board) or not may_read_withdrawn(user, thread):
            shown[n.pk] = None
        elif not n.folds:
            shown[n.pk] = notifications.Shown(n.text, n.url, thread.title)
        else:
            url = thread.get_absolute_url()
            if floor := landing.get(n.pk):
                url = f"{url}?page={thread.page_of_floor(floor)}#floor-{floor}"
            shown[n.pk] = notifications.Shown(_text(n, thread.title), url, thread.title)
    return shown
