"""Celery tasks of the WeChat channel: thin, idempotent wrappers over its functions."""

import logging

import requests
from celery import shared_task
from django.conf import settings
from django.utils import translation
from wechatpy.exceptions import WeChatClientException

from servicedesk.wechat import desk, orders, protocol
from servicedesk.wechat.client import client_for
from servicedesk.wechat.models import Follower

logger = logging.getLogger(__name__)


@shared_task(name="servicedesk.wechat.tasks.to_desk")
def to_desk(inbound_id: int, rule_id: int | None = None) -> int | None:
    """A message no rule answered joins (or opens) the follower's desk conversation."""
    message = desk.receive(inbound_id, rule_id)
    return message.pk if message else None


@shared_task(
    name="servicedesk.wechat.tasks.deliver_answer",
    bind=True,
    max_retries=5,
    default_retry_delay=10,
)
def deliver_answer(self, message_id: int) -> str | None:
    """Send a desk answer through the customer-service API (retried while WeChat does not answer)."""
    try:
        delivery = desk.deliver(message_id)
    except (WeChatClientException, requests.RequestException) as error:
        if self.request.retries >= self.max_retries:
            desk.give_up(message_id, str(error)[:300])
            return "failed"
        raise self.retry(exc=error) from error
    return delivery.state if delivery else None


@shared_task(name="servicedesk.wechat.tasks.fetch_picture", bind=True, max_retries=3)
def fetch_picture(self, inbound_id: int) -> str:
    """Attach the picture a fan sent to its desk message (retried while WeChat does not answer)."""
    try:
        return desk.fetch_picture(inbound_id)
    except WeChatClientException as error:
        if self.request.retries >= self.max_retries:
            return desk.picture_failed(inbound_id, str(error.errmsg or error)[:300])
        raise self.retry(exc=error, countdown=10 * 3**self.request.retries) from error


@shared_task(name="servicedesk.wechat.tasks.look_up_order")
def look_up_order(follower_id: int, number: str, language: str) -> bool:
    """Ask the order system (2 s at most) and send the fan the answer through the customer-service API."""
    follower = Follower.objects.select_related("account", "user").filter(pk=follower_id).first()
    if follower is None or not settings.WECHAT_ORDER_HOOK_URL:
        return False
    with translation.override(language):
        text = orders.look_up(number, language)
    try:
        client_for(follower.account).message.send_text(follower.openid, protocol.clip(text))
    except (WeChatClientException, requests.RequestException) as error:
        logger.warning("Order status for follower %s not sent: %s", follower_id, error)
        return False
    return True


@shared_task(name="servicedesk.wechat.tasks.fetch_profile")
def fetch_profile(follower_id: int) -> str:
    """A new follower's language and unionid from WeChat's user info."""
    follower = Follower.objects.select_related("account").filter(pk=follower_id).first()
    if follower is None:
        return ""
    try:
        info = client_for(follower.account).user.get(follower.openid)
    except (WeChatClientException, requests.RequestException) as error:
        logger.info("No profile for follower %s: %s", follower_id, error)
        return ""
    language = "en" if str(info.get("language", "")).lower().startswith("en") else "zh-hans"
    Follower.objects.filter(pk=follower_id).update(language=language, unionid=str(info.get("unionid", ""))[:64])
    return language


@shared_task(name="servicedesk.wechat.tasks.prune_nonces")
def prune_nonces() -> int:
    return protocol.prune_nonces()
