"""In-site notifications, and their email through Celery.

Mail: the first notification of a group (one thread, say) is mailed at once; what follows in that
group within the hour is held (`Notification.digest_at`) and goes out in one digest mail per fan
once the hour has passed (`accounts.tasks.queue_digests`, every few minutes), with every other
unread notification of that fan not yet mailed. Nothing is dropped and nothing is mailed twice.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from accounts.models import Notification, User
from fancity.lib import raw
from outbox.queueing import enqueue

EMAIL_INTERVAL = datetime.timedelta(hours=1)
# Mail to many fans goes out in tasks of this many notifications each (accounts.tasks.email_notifications),
# so that a worker that dies loses only one short chunk in flight, and the broker hands it on quickly.
EMAIL_CHUNK = 200


def notify(
    recipients: Iterable[User], kind: str, text: str | Callable[[], str], url: str, group: str = ""
) -> list[Notification]:
    """Tell each recipient about something; email them later unless they switched `kind` off.

    `text` may be a function: it is then called once per language, inside that language, so that
    each fan reads the notification in their own.
    """
    from accounts.tasks import email_notifications

    by_language = defaultdict(list)
    for recipient in recipients:
        if not recipient.deleted_at:
            by_language[recipient.language or settings.LANGUAGE_CODE].append(recipient)
    rows = []
    for language, fans in by_language.items():
        with translation.override(language):
            message = str(text() if callable(text) else text)[:300]
        rows += [Notification(recipient=r, kind=kind, text=message, url=url, group=group[:100]) for r in fans]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows, batch_size=1000)
        ids = [n.pk for n in created if n.recipient.wants_email(kind)]
        for start in range(0, len(ids), EMAIL_CHUNK):
            enqueue(email_notifications, ids[start : start + EMAIL_CHUNK])
    return created


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


def digest_items(user: User) -> QuerySet[Notification]:
    """What a fan's digest holds: every unread notification not mailed yet of a kind they want by mail,
    oldest first. The caller locks them (`select_for_update`) in the transaction that records the mail."""
    return (
        Notification.objects.filter(recipient=user, emailed_at__isnull=True, read_at__isnull=True)
        .exclude(kind__in=user.muted_emails or [])
        .order_by("created_at", "pk")
    )
