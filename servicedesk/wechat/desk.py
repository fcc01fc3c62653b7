"""WeChat messages on the desk, and the desk's answers back to WeChat.

A message no rule answered becomes a desk conversation on the WeChat channel: a `PrivateRequest`
(channel wechat) for the follower's account, in the same queue, lifecycle, claims and ratings as
every private request. While the follower's latest conversation is not solved, further messages join
it (reopening it when it was answered); after that a new one opens.

Staff answer from the queue as for any private request (servicedesk.claims.answer); the request's
`_tell_fan` queues `deliver`, which sends the answer through the customer-service message API if the
fan wrote in the last 48 hours (WeChat refuses it after that), and records the outcome on a
`Delivery` row the ticket page shows.

A picture the fan sent is fetched by Celery (`fetch_picture`, WeChat's `media/get`) and attached to its
desk message with the desk's own checks (servicedesk.attachments: type read from the content, at most
10 MB, re-encoded without EXIF, private storage). What became of it is kept on the message's `Inbound`
row, and the ticket's WeChat panel says so: attached, too big, not an image, gone from WeChat, or WeChat
unreachable after the task's retries.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from wechatpy.exceptions import WeChatClientException

from forum.attachments import MAX_IMAGE_BYTES, inspect, removed_if_refused
from forum.writing import markup
from outbox.queueing import enqueue
from servicedesk import attachments, lifecycle, satisfaction, triage
from servicedesk.models import (
    Channel,
    Priority,
    PrivateMessage,
    PrivateRequest,
    Rating,
    Rule,
    Ticket,
    TicketState,
)
from servicedesk.wechat.client import TooLarge, client_for
from servicedesk.wechat.followers import WINDOW, language_of, within_window
from servicedesk.wechat.models import Conversation, Delivery, Follower, Inbound

logger = logging.getLogger(__name__)

SUBJECT_CHARS = 60
RATING_PROMPT = gettext_noop("Did this answer help? Reply 1 for yes, 2 for no.")
# WeChat's error codes for "the fan's 48 hours are over" and "the fan does not follow the account".
OUT_OF_WINDOW = (45015, 45047)
UNFOLLOWED = (43004,)


def _subject(content: str) -> str:
    line = " ".join(content.split())
    return (line[: SUBJECT_CHARS - 1] + "…") if len(line) > SUBJECT_CHARS else line or _("WeChat message")


def receive(inbound_id: int, rule_id: int | None = None) -> PrivateMessage | None:
    """Put one WeChat message on the desk; running it again adds nothing."""
    with transaction.atomic():
        row = Inbound.objects.select_for_update().select_related("follower__user").filter(pk=inbound_id).first()
        if row is None or row.desk_message_id is not None:
            return None
        follower = row.follower
        Follower.objects.select_for_update().filter(pk=follower.pk).values_list("pk", flat=True).first()
        fan = follower.user
        now = timezone.now()
        conversation = (
            Conversation.objects.filter(follower=follower)
            .exclude(request__ticket__state=TicketState.SOLVED)
            .order_by("-request__created_at")
            .select_related("request")
            .first()
        )
        if row.media_id:  # the picture itself is attached by fetch_picture; the link and id are the log's
            with translation.override(language_of(follower)):
                body = _("(a picture sent in WeChat)")
        else:
            body = row.content or _("(empty message)")
        if conversation is not None:
            request = conversation.request
            message = _message(request, fan, body, row.received_at)
            ticket = lifecycle.locked(request.ticket.pk)
            if ticket.state == TicketState.ANSWERED:
                lifecycle.reopen(ticket, fan, now)
        else:
            request = PrivateRequest.objects.create(
                fan=fan,
                subject=_subject(body if row.media_id else row.content),
                created_at=row.received_at,
                channel=Channel.WECHAT,
            )
            Conversation.objects.create(request=request, follower=follower)
            message = _message(request, fan, body, row.received_at)
            rule = Rule.objects.filter(pk=rule_id).first() if rule_id else None
            ticket = Ticket.objects.create(request=request, created_at=row.received_at, city_id=fan.city_id)
            if rule is not None:
                ticket.rule, ticket.rule_name = rule, rule.name[:80]
                triage.escalate(ticket, max(rule.escalate, Priority.NORMAL), Ticket.Reason.RULE)
            else:
                triage.escalate(ticket, Priority.NORMAL, Ticket.Reason.NO_RULE)
            ticket.triaged_at = now
            ticket.save()
        row.desk_message = message
        if row.media_id:
            row.picture = Inbound.Picture.PENDING
            enqueue("servicedesk.wechat.tasks.fetch_picture", row.pk)
        row.save(update_fields=["desk_message", "picture"])
    return message


def _message(request: PrivateRequest, fan, body: str, at: datetime.datetime) -> PrivateMessage:
    return PrivateMessage.objects.create(
        request=request, author=fan, body=body, html=markup.render(body), created_at=at
    )


def deliver(message_id: int) -> Delivery | None:
    """Send a desk answer to the fan in WeChat, once; past the 48-hour window it is recorded as undeliverable."""
    message = PrivateMessage.objects.select_related("request__wechat__follower__account").filter(pk=message_id).first()
    if message is None or not message.by_staff or not hasattr(message.request, "wechat"):
        return None
    follower = message.request.wechat.follower
    with transaction.atomic():
        delivery, _created = Delivery.objects.select_for_update().get_or_create(
            message=message, defaults={"follower": follower, "at": timezone.now()}
        )
        if delivery.state != Delivery.State.PENDING:
            return delivery
        if not within_window(follower):
            return _record(delivery, Delivery.State.EXPIRED, "")
        with translation.override(language_of(follower)):
            text = f"{message.body}\n\n{_(RATING_PROMPT)}"
        try:
            client_for(follower.account).message.send_text(follower.openid, text)
        except WeChatClientException as error:
            if error.errcode in OUT_OF_WINDOW:
                return _record(delivery, Delivery.State.EXPIRED, str(error.errmsg)[:300])
            if error.errcode is None:  # no answer or an HTTP error: transient, the task retries
                raise
            return _record(delivery, Delivery.State.FAILED, f"{error.errcode} {error.errmsg}"[:300])
        return _record(delivery, Delivery.State.SENT, "")


def _record(delivery: Delivery, state: str, detail: str) -> Delivery:
    delivery.state, delivery.detail, delivery.at = state, detail, timezone.now()
    delivery.save(update_fields=["state", "detail", "at"])
    return delivery


def rate_latest(follower: Follower, helpful: bool) -> Rating | None:
    """The fan replied 1 or 2: rate the latest answer delivered to them in the last 48 hours, if unrated."""
    delivery = (
        Delivery.objects.filter(
            follower=follower, state=Delivery.State.SENT, at__gte=timezone.now() - WINDOW, message__rating__isnull=True
        )
        .order_by("-at")
        .first()
    )
    if delivery is None:
        return None
    return satisfaction.rate_message(follower.user, delivery.message_id, helpful)


def give_up(message_id: int, detail: str) -> None:
    """The task's retries are spent: the answer is recorded as not delivered."""
    Delivery.objects.filter(message_id=message_id, state=Delivery.State.PENDING).update(
        state=Delivery.State.FAILED, detail=detail[:300], at=timezone.now()
    )


# WeChat's "system busy": worth another try, like no answer at all (errcode None).
BUSY = (-1,)


def fetch_picture(inbound_id: int) -> str:
    """Fetch the picture of a WeChat message on the desk and attach it to its desk message; the outcome
    is recorded on the message's row. Raises WeChatClientException (errcode None or busy) when WeChat did
    not answer, for the task to retry; running it again after an outcome does nothing."""
    row = Inbound.objects.select_related("account", "desk_message__request__fan").filter(pk=inbound_id).first()
    if row is None or row.desk_message is None or row.picture != Inbound.Picture.PENDING:
        return row.picture if row is not None else ""
    try:
        data = client_for(row.account).download_media(row.media_id, MAX_IMAGE_BYTES)
    except TooLarge:
        return _picture(row.pk, Inbound.Picture.TOO_BIG, "")
    except WeChatClientException as error:
        if error.errcode is None or error.errcode in BUSY:
            raise
        return _picture(row.pk, Inbound.Picture.GONE, f"{error.errcode} {error.errmsg}")
    with translation.override(settings.LANGUAGE_CODE):  # the reason, as the desk reads it
        try:
            uploads = inspect([SimpleUploadedFile(f"wechat-{row.pk}.jpg", data)], [], allow_logs=False)
        except ValidationError as error:
            return _picture(row.pk, Inbound.Picture.NOT_ACCEPTED, " ".join(error.messages))
    message = row.desk_message
    try:
        with removed_if_refused() as written, transaction.atomic():
            locked = Inbound.objects.select_for_update().get(pk=row.pk)
            if locked.picture != Inbound.Picture.PENDING:  # another run attached it meanwhile
                return locked.picture
            attachments.store(message, message.request.fan, uploads, written)
            locked.picture = Inbound.Picture.ATTACHED
            locked.save(update_fields=["picture"])
    except (ValueError, OSError):  # a header that read well over pixels that do not decode
        return _picture(row.pk, Inbound.Picture.NOT_ACCEPTED, "")
    return Inbound.Picture.ATTACHED


def picture_failed(inbound_id: int, detail: str) -> str:
    """The task's retries are spent: WeChat could not be reached."""
    return _picture(inbound_id, Inbound.Picture.FAILED, detail)


def _picture(inbound_id: int, outcome: str, detail: str) -> str:
    Inbound.objects.filter(pk=inbound_id, picture=Inbound.Picture.PENDING).update(
        picture=outcome, picture_detail=detail[:300]
    )
    return outcome
