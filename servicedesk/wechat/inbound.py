"""What the webhook does with a checked message, inside WeChat's 5 seconds.

`handle(account, envelope)` records the message once per MsgId (a retried delivery finds the first
row and gets the same passive reply, so the fan is answered once), then routes it:

- text and menu clicks: the link keyword gives a one-time code; an order number queues a lookup
  (the status follows through the customer-service API); a keyword rule on the WeChat channel answers
  in the fan's language (and may also send it to the desk); anything else goes to the desk queue;
- images go to the desk (Celery then fetches the picture and attaches it: desk.fetch_picture); a
  location is answered with the nearest three service centres;
- subscribe gets the welcome message, unsubscribe marks the follower; other events change nothing;
- other types get a polite "not supported" reply.

Only reads and single-row writes happen here; the desk ticket, order lookups and answers are Celery
work queued with the row (outbox), after the commit.
"""

import datetime
import logging
import re
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outbox.queueing import enqueue
from servicedesk import triage
from servicedesk.matching import matching_phrase, normalise
from servicedesk.models import Channel, Rule
from servicedesk.wechat import centres, desk, linking
from servicedesk.wechat.followers import follower_for, language_of
from servicedesk.wechat.models import Account, Follower, Inbound
from servicedesk.wechat.protocol import Envelope

logger = logging.getLogger(__name__)

_ENGINE = Engine(autoescape=False)
# An order number: two letters and 8 to 18 digits (FC2026120600001), or 12 to 20 digits.
ORDER_NUMBER = re.compile(r"(?<![0-9A-Za-z])([A-Za-z]{2}\d{8,18}|\d{12,20})(?![0-9A-Za-z])")
# A reply of 1 or 2 rates the latest answer the desk sent (servicedesk.wechat.desk.rate_latest).
RATINGS = frozenset({"1", "2"})
# Rules are read again after this many seconds, so an edit in the admin applies within it.
RULES_TTL = 5.0
_rules: tuple[float, list[Rule]] = (0.0, [])


def wechat_rules() -> list[Rule]:
    """The active rules on the WeChat channel (those limited to forum boards are for threads only)."""
    global _rules
    read_at, rules = _rules
    if time.monotonic() - read_at > RULES_TTL:
        rules = [r for r in triage.active_rules(Channel.WECHAT) if not r.boards.all()]
        _rules = (time.monotonic(), rules)
    return rules


def message_key(fields: dict) -> str:
    if fields.get("MsgId"):
        return f"m:{fields['MsgId']}"[:120]
    return f"e:{fields['FromUserName']}:{fields.get('CreateTime', '')}:{fields.get('Event', '')}"[:120]


def handle(account: Account, envelope: Envelope) -> str:
    """The passive reply's text ("" for none)."""
    fields = envelope.fields
    now = timezone.now()
    follower = follower_for(account, fields["FromUserName"][:64], now)
    kind = fields["MsgType"].lower()
    if kind == "event":
        kind = f"event:{str(fields.get('Event', '')).lower()}"
    try:
        with transaction.atomic():
            row = Inbound.objects.create(
                account=account, key=message_key(fields), follower=follower, kind=kind[:30],
                content=_content(fields)[:4000], received_at=now,
                media_id=str(fields.get("MediaId") or "")[:128] if kind == "image" else "",
            )  # fmt: skip
    except IntegrityError:
        first = Inbound.objects.filter(account=account, key=message_key(fields)).values_list("reply", flat=True)
        return first.first() or ""
    with transaction.atomic():
        reply = _route(account, follower, row, fields, now)
        row.reply = reply
        row.save(update_fields=["outcome", "rule", "reply"])
    return reply


def _content(fields: dict) -> str:
    kind = fields["MsgType"].lower()
    if kind == "text":
        return str(fields.get("Content") or "")
    if kind == "image":
        return f"[image] {fields.get('PicUrl', '')} media:{fields.get('MediaId', '')}"
    if kind == "location":
        return f"[location] {fields.get('Label', '')} ({fields.get('Location_X')}, {fields.get('Location_Y')})"
    if kind == "event":
        return str(fields.get("EventKey") or "")
    return f"[{kind}]"


def _route(account: Account, follower: Follower, row: Inbound, fields: dict, now: datetime.datetime) -> str:
    kind = row.kind
    if kind == "text":
        return _text(follower, row, row.content)
    if kind == "event:click":
        return _text(follower, row, row.content)
    language = language_of(follower)
    with translation.override(language):
        if kind == "image":
            return _to_desk(follower, row)
        if kind == "location":
            row.outcome = Inbound.Outcome.CENTRES
            return centres.reply(_float(fields.get("Location_X")), _float(fields.get("Location_Y")))
        if kind.startswith("event:"):
            row.outcome = Inbound.Outcome.EVENT
            if kind == "event:subscribe":
                Follower.objects.filter(pk=follower.pk).update(subscribed=True)
                enqueue("servicedesk.wechat.tasks.fetch_profile", follower.pk)
                return account.welcome_for(language)
            if kind == "event:unsubscribe":
                Follower.objects.filter(pk=follower.pk).update(subscribed=False)
            return ""
        row.outcome = Inbound.Outcome.UNSUPPORTED
        return _("Sorry, we can read text, pictures and locations only. Please write to us in words.")


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(follower: Follower, row: Inbound, text: str) -> str:
    language = language_of(follower, text)
    normalised = normalise(text)
    with translation.override(language):
        if normalised in RATINGS and desk.rate_latest(follower, normalised == "1") is not None:
            row.outcome = Inbound.Outcome.RATING
            return _("Thank you: your rating helps us answer better.")
        if normalised in linking.KEYWORDS:
            row.outcome = Inbound.Outcome.LINK
            return linking.code_message(linking.issue(follower))
        if settings.WECHAT_ORDER_HOOK_URL and (found := ORDER_NUMBER.search(text)):
            row.outcome = Inbound.Outcome.ORDER
            enqueue("servicedesk.wechat.tasks.look_up_order", follower.pk, found.group(1), language)
            return _("Looking up order %(number)s. The status follows in a moment.") % {"number": found.group(1)}
        for rule in wechat_rules():
            if matching_phrase(normalised, rule.phrase_list) is None:
                continue
            row.rule = rule
            if not rule.reply_template.strip():
                return _to_desk(follower, row, rule)
            try:
                reply = _rule_reply(rule, follower, language)
            except Exception:  # a broken template: logged, the next rule (or a person) answers
                logger.exception("Service desk rule %s (%s) failed on WeChat message %s", rule.pk, rule.name, row.pk)
                row.rule = None
                continue
            if rule.escalate:
                _to_desk(follower, row, rule)
            row.outcome = Inbound.Outcome.RULE
            return reply
        return _to_desk(follower, row)


def _rule_reply(rule: Rule, follower: Follower, language: str) -> str:
    template = rule.template_for(language)
    return _ENGINE.from_string(template).render(Context({"name": follower.user.public_name, "title": ""})).strip()


def _to_desk(follower: Follower, row: Inbound, rule: Rule | None = None) -> str:
    """Queue the message for the desk (servicedesk.wechat.desk.receive, after the commit)."""
    row.outcome = Inbound.Outcome.DESK
    enqueue("servicedesk.wechat.tasks.to_desk", row.pk, rule.pk if rule else None)
    return _("Thank you. A member of our staff will answer you here soon.")
