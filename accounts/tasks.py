import logging
import smtplib
import time

from celery import shared_task
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from accounts.mail import message_id_for, sender
from accounts.models import Notification, NotificationKind, User
from accounts.notifications import (
    DigestLine,
    describe,
    digest_items,
    digest_lines,
    digest_recipients,
    held_until,
    wants_mail,
)
from outbox.queueing import enqueue, once

UNSUBSCRIBE_SALT = "accounts.unsubscribe"
# A task taken by a worker that dies is delivered again after the broker's visibility timeout
# (settings.BROKER_VISIBILITY_TIMEOUT, 120 s), whether or not it is still running elsewhere. So no
# task may run that long: a mail chunk hands what is left to a new task after CHUNK_SECONDS, and a
# retry waits at most RETRY_BACKOFF_MAX (a delayed task is held, unacknowledged, by a worker).
CHUNK_SECONDS = 60
RETRY_BACKOFF_MAX = 90

logger = logging.getLogger(__name__)


@shared_task(
    name="accounts.tasks.send_email",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=20,
    bind=True,
)
def send_email(self, message: dict) -> None:
    """Send one mail; a second delivery of the same outbox message sends nothing (see outbox.queueing.once)."""
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=message["from_email"],
        to=message["to"],
        headers=message.get("headers") or {},
    )
    for content, mimetype in message.get("alternatives", []):
        email.attach_alternative(content, mimetype)
    with once(self.request.id) as first:
        if first:
            email.send()


def unsubscribe_url(user_id: int, kind: str) -> str:
    token = signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL + reverse("unsubscribe", args=[token])


def notification_email(notification: Notification) -> EmailMultiAlternatives | None:
    """The mail for one notification, in the recipient's language, saying what it says now (the
    thread's current title, its first post still readable); None if its subject is out of their reach.

    Its Message-ID is the notification's, so that in the one case where it can leave twice (the worker
    dies between the mail server taking it and the commit that records it) mail clients show it once.
    """
    user = notification.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        shown = describe(user, [notification])[notification.pk]
    if shown is None:
        return None
    stop_url = unsubscribe_url(user.pk, notification.kind)
    context = {"notification": notification, "shown": shown, "unsubscribe_url": stop_url}
    mail = _mail(user, "notification", context, stop_url, f"notification.{notification.pk}")
    for hook in settings.NOTIFICATION_ATTACHMENTS:  # higher apps attach their files (settings.py)
        for filename, content, mimetype in import_string(hook)(notification):
            mail.attach(filename, content, mimetype)
    if reply_to := _reply_to(notification):
        mail.extra_headers["Reply-To"] = reply_to
    return mail


def _reply_to(notification: Notification) -> str | None:
    """Where a reply to this notification's mail goes, if the app that owns its group takes replies by
    mail (settings.NOTIFICATION_REPLY_TO: the service desk's signed reply address); else nowhere."""
    path = settings.NOTIFICATION_REPLY_TO.get(notification.group.partition(":")[0])
    return import_string(path)(notification) if path else None


def _mail(user: User, template: str, context: dict, stop_url: str, message_id: str) -> EmailMultiAlternatives:
    """A mail to `user` from accounts/email/<template>.txt and <template>_subject.txt, in their language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {**context, "user": user, "site_url": settings.SITE_URL}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}.txt", context)
        from_email = sender()
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{stop_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",  # RFC 8058: a POST there, no page
            "Message-ID": message_id_for(message_id),
        },
    )


@shared_task(
    name="accounts.tasks.email_notifications",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=20,
)
def email_notifications(notification_ids: list[int]) -> int:
    """Mail each notification that is still due, over one connection to the mail server; returns how many.

    Each mail is sent inside the transaction that sets its `emailed_at`, holding the notification's
    row lock: a second run (the worker died and the broker delivered the chunk again, or a retry after
    the mail server failed half-way) sends only what was not sent, and two runs at once wait for each
    other instead of both sending.
    """
    started = time.monotonic()
    connection = get_connection()
    sent = 0
    try:
        for index, notification_id in enumerate(notification_ids):
            if index and time.monotonic() - started > CHUNK_SECONDS:  # one mail at least: progress
                enqueue("accounts.tasks.email_notifications", notification_ids[index:])
                break
            with transaction.atomic():
                notification = (
                    Notification.objects.select_for_update(of=("self",))
                    .select_related("recipient", "actor")
                    .filter(pk=notification_id, emailed_at__isnull=True, digest_at__isnull=True)
                    .first()
                )
                if notification is None or not wants_mail(notification):
                    continue
                if held := held_until(notification):  # its group was mailed within the hour: the digest takes it
                    notification.digest_at = held
                    notification.save(update_fields=["digest_at"])
                    continue
                notification.emailed_at = timezone.now()
                notification.save(update_fields=["emailed_at"])
                if (mail := notification_email(notification)) is None:  # a thread they may no longer read
                    continue
                if not sent:
                    connection.open()  # one connection for the chunk, opened only if a mail is due
                try:
                    connection.send_messages([mail])
                except smtplib.SMTPRecipientsRefused as refused:
                    # This address will never take it: record it as done rather than retry the chunk.
                    logger.warning("Notification %s not mailed: %s", notification.pk, refused.recipients)
                sent += 1
    finally:
        connection.close()
    return sent


def digest_email(user: User, items: list[Notification]) -> EmailMultiAlternatives | None:
    """One mail for `items`, in the fan's language: a line per thread with how many events it holds and
    a link to its first post still readable (`digest_lines`), and a link to stop each kind it holds.
    None when nothing is left to tell (every thread out of the fan's reach)."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        lines: list[DigestLine] = digest_lines(user, items)
    if not lines:
        return None
    kinds = sorted({item.kind for item in items}, key=lambda k: -sum(item.kind == k for item in items))
    stops = [(NotificationKind(k).label, unsubscribe_url(user.pk, k)) for k in kinds]
    count = sum(line.count for line in lines)
    context = {"lines": lines, "count": count, "unsubscribe": stops}
    # A folded notification that grew is in a later digest again, with a larger count: another mail.
    message_id = f"digest.{user.pk}.{items[0].pk}.{items[-1].pk}.{sum(item.count for item in items)}"
    return _mail(user, "digest", context, stops[0][1], message_id)


@shared_task(
    name="accounts.tasks.send_digest",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=20,
    bind=True,
)
def send_digest(self, user_id: int) -> int:
    """Mail a fan their digest: every unread notification not mailed yet, in one mail; returns how many.

    The notifications are locked and marked mailed in the transaction that sends, inside `once`: a
    repeat delivery of the same message sends nothing, a failed send is retried with the rows still
    unmarked, and a second digest task for the same fan finds nothing left.
    """
    with once(self.request.id) as first:
        if not first:
            return 0
        user = User.objects.filter(pk=user_id, deleted_at__isnull=True).first()
        if user is None or not user.email:
            return 0
        items = list(digest_items(user).select_for_update(of=("self",)).select_related("recipient", "actor"))
        if not items:
            return 0
        Notification.objects.filter(pk__in=[item.pk for item in items]).update(emailed_at=timezone.now())
        if (mail := digest_email(user, items)) is None:
            return 0
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as refused:
            logger.warning("Digest for fan %s not mailed: %s", user_id, refused.recipients)
        return len(items)


@shared_task(name="accounts.tasks.queue_digests")
def queue_digests() -> int:
    """Beat, every 5 minutes: queue a digest for each fan whose held notifications are due."""
    fans = digest_recipients()
    with transaction.atomic():
        for fan_id in fans:
            enqueue("accounts.tasks.send_digest", fan_id)
    return len(fans)
