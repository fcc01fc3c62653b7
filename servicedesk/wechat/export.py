"""The WeChat channel's part of a fan's personal data: exported (settings.PERSONAL_DATA_EXPORTS) and
erased when the account is deleted (settings.PERSONAL_DATA_ERASERS).

Per fan the channel stores: their followers (one per Official Account: OpenID, UnionID, WeChat's
profile language, when they first and last wrote, whether they follow), every message and event the
webhook took from them with the passive reply it got (`Inbound`), the desk answers sent to them through
the customer-service API (`Delivery`), their one-time link codes, and the OpenID a staff member sent a
broadcast preview to. Their desk conversations themselves are the service desk's (servicedesk/export.py).

Erasure keeps the counts and drops the person: the follower rows and their messages stay, so the
insights' per-channel figures (messages in, answered by rules, reached staff) do not change after a
deletion, but the OpenID is replaced by a tombstone (`erased-<id>`, which WeChat never sends, so a later
message from the same WeChat user starts a new, unlinked follower), the UnionID, language and link time
are blanked, every message text, picture media ID and passive reply is blanked (a reply can hold the
fan's name, an order number or a link code; the pictures themselves go with the desk conversation),
event keys (which hold the OpenID) are rewritten, and the link codes and answer deliveries go. The
placeholder account once made for the follower (its username is a digest of the OpenID, its name the
OpenID's last characters) is closed and blanked like a deleted account.
"""

from django.db.models import CharField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from accounts.models import User
from servicedesk.wechat.followers import placeholder_username
from servicedesk.wechat.models import Broadcast, Delivery, Follower, Inbound, LinkCode

ERASED_PREFIX = "erased-"


def wechat_data(user: User) -> dict:
    followers = list(Follower.objects.filter(user=user).select_related("account").order_by("pk"))
    messages = (
        Inbound.objects.filter(follower__in=followers)
        .select_related("account")
        .order_by("received_at", "pk")
        .only("account__name", "kind", "content", "received_at", "outcome", "reply")
    )
    deliveries = Delivery.objects.filter(follower__in=followers).select_related("message").order_by("at", "pk")
    codes = LinkCode.objects.filter(follower__in=followers).order_by("expires_at", "pk")
    return {
        "wechat": {
            "followers": [
                {
                    "account": f.account.name,
                    "openid": f.openid,
                    "unionid": f.unionid,
                    "language": f.language,
                    "following": f.subscribed,
                    "linked_at": f.linked_at.isoformat() if f.linked_at else None,
                    "first_message_at": f.first_seen_at.isoformat(),
                    "last_message_at": f.last_message_at.isoformat(),
                }
                for f in followers
            ],
            "messages": [
                {
                    "account": m.account.name,
                    "type": m.kind,
                    "text": m.content,
                    "received_at": m.received_at.isoformat(),
                    "outcome": m.outcome,
                    "reply": m.reply,
                }
                for m in messages.iterator(chunk_size=2000)
            ],
            "answers_sent": [
                {"text": d.message.body, "state": d.state, "detail": d.detail, "at": d.at.isoformat()}
                for d in deliveries
            ],
            "link_codes": [
                {"expires_at": c.expires_at.isoformat(), "used_at": c.used_at.isoformat() if c.used_at else None}
                for c in codes
            ],
        }
    }


def erase_wechat_data(user: User) -> None:
    """In the account deletion's transaction; see the module's docstring for what stays and why."""
    followers = list(Follower.objects.select_for_update().filter(user=user).select_related("account"))
    if not followers:
        return
    ids = [f.pk for f in followers]
    openids = {f.openid for f in followers}
    placeholders = {placeholder_username(f.account, f.openid) for f in followers}
    LinkCode.objects.filter(follower_id__in=ids).delete()
    Delivery.objects.filter(follower_id__in=ids).delete()
    Inbound.objects.filter(follower_id__in=ids).update(
        content="",
        reply="",
        media_id="",
        picture_detail="",
        key=Concat(Value(ERASED_PREFIX), "id", output_field=CharField()),
        desk_message=None,
    )
    Broadcast.objects.filter(previewed_to__in=openids).update(previewed_to="")
    for follower in followers:
        follower.openid = f"{ERASED_PREFIX}{follower.pk}"
        follower.unionid = follower.language = ""
        follower.linked_at = None
        follower.subscribed = False
    Follower.objects.bulk_update(followers, ["openid", "unionid", "language", "linked_at", "subscribed"])
    for placeholder in User.objects.filter(username__in=placeholders).exclude(pk=user.pk):
        placeholder.username = f"deleted-{placeholder.pk}"
        placeholder.display_name = ""
        placeholder.is_active = False
        placeholder.deleted_at = timezone.now()
        placeholder.set_unusable_password()
        placeholder.save(update_fields=["username", "display_name", "is_active", "deleted_at", "password"])
