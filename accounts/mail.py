"""All mail leaves through the send_email Celery task, after the commit."""

from django.core.mail import EmailMultiAlternatives

from outbox.queueing import enqueue


def queue_email(message: EmailMultiAlternatives) -> None:
    from accounts.tasks import send_email

    enqueue(
        send_email,
        {
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
            "headers": message.extra_headers,
        },
    )
