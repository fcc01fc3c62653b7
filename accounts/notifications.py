"""In-site notifications, and their email through Celery (at most one mail per group per hour)."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Func, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from accounts.models import Notification, User
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


def _unread(recipient) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True)


def unread_count(user: User) -> int:
    return _unread(user).count()


def unread_count_expression() -> Func:
    """`unread_count` as an expression on a User query (the navigation bar asks it in its own query)."""
    counted = _unread(OuterRef("pk")).order_by().values("recipient").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def due_for_email(notification: Notification) -> bool:
    """A grouped notification is mailed only if nothing of its group was mailed within the hour."""
    if notification.read_at or not notification.recipient.wants_email(notification.kind):
        return False
    if not notification.group:
        return True
    return not Notification.objects.filter(
        recipient_id=notification.recipient_id,
        group=notification.group,
        emailed_at__gte=timezone.now() - EMAIL_INTERVAL,
    ).exists()
