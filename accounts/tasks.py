import smtplib

from celery import shared_task
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Notification
from accounts.notifications import due_for_email
from outbox.queueing import enqueue, once

UNSUBSCRIBE_SALT = "accounts.unsubscribe"


@shared_task(
    name="accounts.tasks.send_email",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
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


@shared_task(name="accounts.tasks.email_notifications")
def email_notifications(notification_ids: list[int]) -> None:
    """Mail each notification that is still due; marking emailed_at makes a second run a no-op."""
    for notification_id in notification_ids:
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
            enqueue(
                send_email,
                {
                    "subject": subject,
                    "body": body,
                    "from_email": settings.DEFAULT_FROM_EMAIL,
                    "to": [user.email],
                    "headers": {"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
                },
            )
