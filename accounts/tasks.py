import logging
import smtplib
import time
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Notification
from accounts.notifications import due_for_email
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


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The mail for one notification, in the recipient's language.

    Its Message-ID is the notification's, so that in the one case where it can leave twice (the worker
    dies between the mail server taking it and the commit that records it) mail clients show it once.
    """
    user = notification.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "notification": notification,
            "user": user,
            "site_url": settings.SITE_URL,
            "unsubscribe_url": unsubscribe_url(user.pk, notification.kind),
        }
        subject = render_to_string("accounts/email/notification_subject.txt", context).strip()
        body = render_to_string("accounts/email/notification.txt", context)
    host = urlsplit(settings.SITE_URL).hostname or "fancity"
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "Message-ID": f"<notification.{notification.pk}@{host}>",
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
                enqueue(email_notifications, notification_ids[index:])
                break
            with transaction.atomic():
                notification = (
                    Notification.objects.select_for_update(of=("self",))
                    .select_related("recipient")
                    .filter(pk=notification_id, emailed_at__isnull=True)
                    .first()
                )
                if notification is None or not due_for_email(notification):
                    continue
                notification.emailed_at = timezone.now()
                notification.save(update_fields=["emailed_at"])
                if not sent:
                    connection.open()  # one connection for the chunk, opened only if a mail is due
                try:
                    connection.send_messages([notification_email(notification)])
                except smtplib.SMTPRecipientsRefused as refused:
                    # This address will never take it: record it as done rather than retry the chunk.
                    logger.warning("Notification %s not mailed: %s", notification.pk, refused.recipients)
                sent += 1
    finally:
        connection.close()
    return sent
