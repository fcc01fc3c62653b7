"""All mail leaves through the send_email Celery task, after the commit."""

from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext

from outbox.queueing import enqueue


def mail_domain() -> str:
    """The site's host name (from SITE_URL), the right-hand side of every Message-ID we make: the
    machine's own name (Django's DNS_NAME) is `localhost` in a container and says nothing to a reader."""
    return urlsplit(settings.SITE_URL).hostname or "fancity"


def message_id_for(key: str | None = None) -> str:
    """`<key@site host>` for a mail that has a stable identity (one notification), so that the same mail
    sent twice keeps its Message-ID and mail clients show it once; a fresh unique one without a key."""
    if key is None:
        return make_msgid(domain=mail_domain())
    return f"<{key}@{mail_domain()}>"


def queue_email(message: EmailMultiAlternatives) -> None:
    """Queue `message`, its Message-ID fixed now at the site's host: a retry of the task, or a worker
    killed between the mail server taking it and the commit, sends it again (at least once, see README
    "Reliability"), and the copies then share one Message-ID, which mail clients show once."""
    headers = dict(message.extra_headers)
    if not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = message_id_for()
    enqueue(
        "accounts.tasks.send_email",
        {
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
            "headers": headers,
        },
    )


def sender() -> str:
    """DEFAULT_FROM_EMAIL with the brand in the active language as its name: "粉丝城 <noreply@…>" to a
    Chinese reader, "Fancity <noreply@…>" to an English one. A name the operator set is kept."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if name not in ("", "Fancity", "粉丝城"):
        return settings.DEFAULT_FROM_EMAIL
    return f"{gettext('Fancity')} <{address}>"
