"""In-site notifications, and their email through Celery.

Mail: the first notification of a group (one thread, say) is mailed at once; what follows in that
group within the hour is held (`Notification.digest_at`) and goes out in one digest mail per fan
once the hour has passed (`accounts.tasks.queue_digests`, every few minutes), with every other
unread notification of that fan not yet mailed. Nothing is dropped and nothing is mailed twice.

Folding: events that would flood the inbox (every reply in a watched thread) are folded, Discourse's way,
into one unread notification per fan, kind and group that counts them and remembers the first unread
item (`notify_folded`); once read, the next event starts a new one. What a notification says and where
it leads is decided when it is shown, by the app that owns its group (settings.NOTIFICATION_SUBJECTS):
the thread's title of now, the first post still readable, nothing for a fan who may no longer read it.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, QuerySet
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import ngettext

from accounts.models import Notification, User
from fancity.lib import raw
from outbox.queueing import enqueue

EMAIL_INTERVAL = datetime.timedelta(hours=1)
# Mail to many fans goes out in tasks of this many notifications each (accounts.tasks.email_notifications),
# so that a worker that dies loses only one short chunk in flight, and the broker hands it on quickly.
EMAIL_CHUNK = 200


def _in_languages(recipients: Iterable[User], text: str | Callable[[], str]) -> dict[str, tuple[str, list[User]]]:
    """The living recipients by language, with `text` in that language (called once per language)."""
    by_language = defaultdict(list)
    for recipient in recipients:
        if not recipient.deleted_at:
            by_language[recipient.language or settings.LANGUAGE_CODE].append(recipient)
    messages = {}
    for language, fans in by_language.items():
        with translation.override(language):
            messages[language] = (str(text() if callable(text) else text)[:300], fans)
    return messages


def notify(
    recipients: Iterable[User], kind: str, text: str | Callable[[], str], url: str, group: str = ""
) -> list[Notification]:
    """Tell each recipient about something; email them later unless they switched `kind` off.

    `text` may be a function: it is then called once per language, inside that language, so that
    each fan reads the notification in their own.
    """
    rows = []
    for message, fans in _in_languages(recipients, text).values():
        rows += [Notification(recipient=r, kind=kind, text=message, url=url, group=group[:100]) for r in fans]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows, batch_size=1000)
        ids = [n.pk for n in created if n.recipient.wants_email(kind)]
        for start in range(0, len(ids), EMAIL_CHUNK):
            enqueue("accounts.tasks.email_notifications", ids[start : start + EMAIL_CHUNK])
    return created


_FOLD_SQL = f"""
INSERT INTO {Notification._meta.db_table} AS n
  (recipient_id, kind, text, url, "group", created_at, folds, count, actor_id, target_id)
SELECT r, %s, %s, %s, %s, %s, TRUE, 1, %s, %s FROM unnest(%s::bigint[]) AS r ORDER BY r
ON CONFLICT (recipient_id, kind, "group") WHERE folds AND read_at IS NULL DO UPDATE SET
  count = n.count + 1, actor_id = EXCLUDED.actor_id, created_at = EXCLUDED.created_at, text = EXCLUDED.text,
  emailed_at = NULL,
  digest_at = CASE WHEN n.emailed_at IS NOT NULL THEN n.emailed_at + %s ELSE n.digest_at END
RETURNING n.id, n.recipient_id, n.xmax = 0
"""


def notify_folded(
    recipients: Iterable[User],
    kind: str,
    text: str | Callable[[], str],
    url: str,
    group: str,
    actor: User | None,
    target_id: int,
) -> list[int]:
    """Tell each recipient about one more event of `kind` in `group`, folded into their unread
    notification of that kind and group if they have one; returns the ids of the notifications touched.

    A new notification is mailed as `notify`'s are. One that grows keeps its first unread item
    (`target_id`, `url`) and takes the latest actor and time; if it was mailed, what it now adds is held
    for the digest an hour after that mail. One statement per language, an upsert on the partial unique
    constraint `notification_one_unread_fold`: two events at once never make two rows nor lose a count,
    and an event racing the fan's "read" either grows the old one or starts the next.
    """
    group = group[:100]
    now = timezone.now()
    touched, new = [], []
    with transaction.atomic():
        for message, fans in _in_languages(recipients, text).values():
            ids = sorted({fan.pk for fan in fans})
            rows = raw.fetch(
                _FOLD_SQL,
                [kind, message, url, group, now, actor.pk if actor else None, target_id, ids, EMAIL_INTERVAL],
            )
            wanted = {fan.pk for fan in fans if fan.wants_email(kind)}
            touched += [pk for pk, _recipient, _inserted in rows]
            new += [pk for pk, recipient, inserted in rows if inserted and recipient in wanted]
        for start in range(0, len(new), EMAIL_CHUNK):
            enqueue("accounts.tasks.email_notifications", new[start : start + EMAIL_CHUNK])
    return touched


# A fan's unread notifications counted, the one rule in SQL: `{user}` is the column or placeholder
# of their id. The user's own query reads it for every signed-in page (accounts.backends).
UNREAD_COUNT_SQL = (
    f"SELECT count(*) FROM {Notification._meta.db_table} n WHERE n.recipient_id = {{user}} AND n.read_at IS NULL"
)


def unread_count(user: User) -> int:
    return raw.fetch(UNREAD_COUNT_SQL.format(user="%s"), [user.pk])[0][0]


def notify_grouped(recipient: User, kind: str, text: Callable[[], str], url: str, group: str) -> Notification | None:
    """One notification per `group` for `recipient`, brought up to date instead of adding rows.

    The first call creates it (and mails it, as `notify` does); later calls rewrite its text, move it
    to the top of the inbox and mark it unread, without another mail ("A and 3 others liked your
    post"). Calls for the same recipient and group are serialised by an advisory lock.
    """
    if recipient.deleted_at:
        return None
    group = group[:100]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"notification:{recipient.pk}:{group}"])
        existing = Notification.objects.filter(recipient=recipient, kind=kind, group=group).order_by("-pk").first()
        if existing is None:
            return notify([recipient], kind, text, url, group=group)[0]
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            existing.text = str(text())[:300]
        existing.url, existing.created_at, existing.read_at = url, timezone.now(), None
        existing.save(update_fields=["text", "url", "created_at", "read_at"])
    return existing


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def mark_group_read(user: User, group: str, seen: Exists) -> int:
    """Mark read the user's unread folded notifications of `group` whose first unread item they have
    now seen: `seen` is an `Exists` over `OuterRef("target_id")`, written by the app that owns the
    group (forum: a post of the thread at or before the floor read). The next event starts a new one.

    Nothing to do, and no query, when the fan's row says they have nothing unread."""
    if getattr(user, "unread_notifications", None) == 0 or not user.is_authenticated:
        return 0
    done = Notification.objects.filter(
        seen, recipient=user, group=group[:100], folds=True, read_at__isnull=True
    ).update(read_at=timezone.now())
    if done and getattr(user, "unread_notifications", None):
        user.unread_notifications = max(user.unread_notifications - done, 0)  # this page's navigation
    return done


# --- what a notification says, when it is shown ------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A notification as a fan sees it now: its text, where it leads, and the title of its subject
    (a thread's, "" when it has none)."""

    text: str
    url: str
    title: str = ""


def _describers() -> dict[str, Callable]:
    return {prefix: import_string(path) for prefix, path in settings.NOTIFICATION_SUBJECTS.items()}


def describe(user: User, notifications: list[Notification]) -> dict[int, Shown | None]:
    """Each notification as `user` sees it now, by id; None for one whose subject they may no longer read.

    Notifications of a group whose prefix ("thread" of "thread:12") an app registered in
    settings.NOTIFICATION_SUBJECTS are described by that app, all of them in a few queries; the others
    show their stored text and link."""
    shown: dict[int, Shown | None] = {n.pk: Shown(n.text, n.url) for n in notifications}
    by_prefix = defaultdict(list)
    for n in notifications:
        by_prefix[n.group.partition(":")[0] if ":" in n.group else ""].append(n)
    for prefix, describer in _describers().items():
        if by_prefix.get(prefix):
            shown.update(describer(user, by_prefix[prefix]))
    return shown


def inbox(user: User, limit: int = 100) -> list[tuple[Notification, Shown | None]]:
    """The fan's notifications page: newest first, each with what it says now."""
    items = list(Notification.objects.filter(recipient=user).select_related("actor")[:limit])
    shown = describe(user, items)
    return [(n, shown[n.pk]) for n in items]


def open_url(user: User, notification: Notification) -> str | None:
    """Where opening `notification` leads now (its first unread post still readable); None if nowhere."""
    shown = describe(user, [notification])[notification.pk]
    return shown.url if shown else None


def wants_mail(notification: Notification) -> bool:
    return not notification.read_at and notification.recipient.wants_email(notification.kind)


def held_until(notification: Notification) -> datetime.datetime | None:
    """When a notification may be mailed, if not now: an hour after the last mail of its group."""
    if not notification.group:
        return None
    last = (
        Notification.objects.filter(
            recipient_id=notification.recipient_id,
            group=notification.group,
            emailed_at__gte=timezone.now() - EMAIL_INTERVAL,
        )
        .order_by("-emailed_at")
        .values_list("emailed_at", flat=True)
        .first()
    )
    return last + EMAIL_INTERVAL if last else None


def digest_recipients(now: datetime.datetime | None = None) -> list[int]:
    """The fans with a held notification whose hour has passed (unread, not mailed yet)."""
    due = Notification.objects.filter(
        emailed_at__isnull=True, read_at__isnull=True, digest_at__isnull=False, digest_at__lte=now or timezone.now()
    )
    return list(due.order_by().values_list("recipient_id", flat=True).distinct())


@dataclass(frozen=True)
class DigestLine:
    text: str
    url: str
    count: int


def digest_lines(user: User, items: list[Notification]) -> list[DigestLine]:
    """The digest's lines: one per thread (or other described group), whatever it holds, with how many
    events it stands for and a link to its first unread post that is still readable; one per
    notification elsewhere. Groups the fan may no longer read are left out."""
    shown = describe(user, items)
    groups: dict[str, list[tuple[Notification, Shown]]] = {}
    for item in items:
        if (told := shown[item.pk]) is not None:
            groups.setdefault(item.group if told.title else f"#{item.pk}", []).append((item, told))
    lines = []
    for members in groups.values():
        count = sum(item.count for item, _told in members)
        first = members[0][1]
        if len(members) == 1:
            lines.append(DigestLine(first.text, first.url, count))
            continue
        text = ngettext(
            "%(count)d new notification about “%(title)s”", "%(count)d new notifications about “%(title)s”", count
        ) % {"count": count, "title": first.title}
        lines.append(DigestLine(text, first.url, count))
    return lines


def digest_items(user: User) -> QuerySet[Notification]:
    """What a fan's digest holds: every unread notification not mailed yet of a kind they want by mail,
    oldest first. The caller locks them (`select_for_update`) in the transaction that records the mail."""
    return (
        Notification.objects.filter(recipient=user, emailed_at__isnull=True, read_at__isnull=True)
        .exclude(kind__in=user.muted_emails or [])
        .order_by("created_at", "pk")
    )
