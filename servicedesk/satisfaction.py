"""Did the answer help? The fan who asked rates each answer (the bot's or a person's) yes or no, with an
optional comment, in the feedback thread or the private request; they may change their rating later.

Only the asker rates, only answers (the bot's message or post, or a desk member's), one rating per
answer (a unique row, so a double click changes nothing). The rating remembers who answered: the keyword
rule for the bot, the staff member for a person, so insights can tell which rules help and which annoy.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_desk_staff
from forum.models import Post
from servicedesk.models import PrivateMessage, Rating, Ticket
from servicedesk.triage import BOT_USERNAME

MAX_COMMENT = 1000


def _comment(comment: str) -> str:
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": _("Keep the comment under %(n)d characters.") % {"n": MAX_COMMENT}})
    return comment


def _save(fan: User, ticket: Ticket, helpful: bool, comment: str, automatic: bool, answerer, **answer) -> Rating:
    fields = {
        "ticket": ticket,
        "fan": fan,
        "automatic": automatic,
        "rule": ticket.rule if automatic else None,
        "rule_name": ticket.rule_name if automatic else "",
        "answered_by": None if automatic else answerer,
        "helpful": helpful,
        "comment": comment,
        "rated_at": timezone.now(),
    }
    with transaction.atomic():
        rating, _created = Rating.objects.update_or_create(defaults=fields, **answer)
    return rating


def rate_post(fan: User, post_id: int, helpful: bool, comment: str = "") -> Rating:
    """The thread's author rates an answer in their feedback thread (a 404-worthy refusal otherwise)."""
    comment = _comment(comment)
    post = Post.objects.select_related("thread", "author").filter(pk=post_id).first()
    if post is None or not fan.is_authenticated or post.thread.author_id != fan.pk:
        raise PermissionDenied
    ticket = Ticket.objects.select_related("rule").filter(thread_id=post.thread_id).first()
    if ticket is None or post.floor == 1 or not post.is_visible:
        raise PermissionDenied
    automatic = post.pk == ticket.auto_post_id
    if not automatic and not (post.by_staff or is_desk_staff(post.author)):
        raise PermissionDenied
    return _save(fan, ticket, helpful, comment, automatic, post.author, post=post)


def rate_message(fan: User, message_id: int, helpful: bool, comment: str = "") -> Rating:
    """The fan rates an answer in their private request: a staff message or the bot's."""
    comment = _comment(comment)
    message = PrivateMessage.objects.select_related("request", "author").filter(pk=message_id).first()
    if message is None or not fan.is_authenticated or message.request.fan_id != fan.pk:
        raise PermissionDenied
    if not is_answer(message, fan.pk):
        raise PermissionDenied
    ticket = Ticket.objects.select_related("rule").get(request_id=message.request_id)
    automatic = not message.by_staff
    return _save(fan, ticket, helpful, comment, automatic, message.author, message=message)


def is_answer(message: PrivateMessage, fan_id: int) -> bool:
    """A message the fan may rate: a staff answer or the bot's (its author loaded)."""
    if message.author_id is None or message.author_id == fan_id:
        return False
    return message.by_staff or (message.author is not None and message.author.username == BOT_USERNAME)


def ratings_of_messages(messages: list[PrivateMessage]) -> dict[int, Rating]:
    """The ratings of these messages, by message id (one query)."""
    ids = [m.pk for m in messages]
    ratings = Rating.objects.filter(message_id__in=ids) if ids else []
    return {r.message_id: r for r in ratings if r.message_id is not None}  # all: filtered by message
