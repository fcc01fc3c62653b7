"""The WeChat Official Account channel: accounts, their followers, every message delivered to the
webhook (one row per message id, so a retried delivery is answered once), the link between a
follower and a desk conversation, answers sent through the customer-service API, one-time link
codes, the service-centre directory, the custom menu and broadcasts.

The desk itself (tickets, claims, answers, ratings) is the service desk's: a WeChat conversation is a
`PrivateRequest` with `channel = wechat`, whose fan is the follower's Fancity account.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.wechat.secrets import seal, unseal


class Account(models.Model):
    """One Official Account; its webhook is /wechat/<slug>/. The token, AES key and app secret are
    stored encrypted (servicedesk/wechat/secrets.py) and never shown again once saved."""

    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("slug"), unique=True, help_text=_("The webhook address is /wechat/<slug>/."))
    app_id = models.CharField(_("AppID"), max_length=32, unique=True)
    token_sealed = models.TextField(editable=False, blank=True)
    aes_key_sealed = models.TextField(editable=False, blank=True)
    secret_sealed = models.TextField(editable=False, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    welcome = models.TextField(_("welcome message"), blank=True, help_text=_("Sent to a fan who follows the account."))
    welcome_en = models.TextField(_("welcome message in English"), blank=True)
    broadcast_every_days = models.PositiveSmallIntegerField(
        _("at most one broadcast every (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    menu_published_at = models.DateTimeField(_("menu published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("WeChat account")
        verbose_name_plural = _("WeChat accounts")

    def __str__(self) -> str:
        return self.name

    token = property(lambda self: unseal(self.token_sealed), lambda self, v: setattr(self, "token_sealed", seal(v)))
    aes_key = property(
        lambda self: unseal(self.aes_key_sealed), lambda self, v: setattr(self, "aes_key_sealed", seal(v))
    )
    secret = property(lambda self: unseal(self.secret_sealed), lambda self, v: setattr(self, "secret_sealed", seal(v)))

    def welcome_for(self, language: str) -> str:
        return self.welcome_en if language.startswith("en") and self.welcome_en.strip() else self.welcome


class Follower(models.Model):
    """A WeChat user (openid) of one account, with the Fancity account its conversations belong to:
    a placeholder account made on the first message, or the fan's own once linked."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="followers")
    openid = models.CharField(_("OpenID"), max_length=64)
    unionid = models.CharField(_("UnionID"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Fancity account"), on_delete=models.CASCADE, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subscribed = models.BooleanField(_("following"), default=True)
    first_seen_at = models.DateTimeField(_("first message at"))
    # WeChat accepts customer-service messages for 48 hours after the fan's last message.
    last_message_at = models.DateTimeField(_("last message at"))

    class Meta:
        verbose_name = _("WeChat follower")
        verbose_name_plural = _("WeChat followers")
        constraints = [models.UniqueConstraint(fields=["account", "openid"], name="wechat_follower_once")]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.openid}"


class Inbound(models.Model):
    """One message or event the webhook accepted. `key` is the MsgId, or openid + CreateTime + event for
    events (WeChat's own advice); unique per account, so a retried delivery finds the first one."""

    class Outcome(models.TextChoices):
        RULE = "rule", _("answered by a keyword rule")
        DESK = "desk", _("sent to the desk")
        ORDER = "order", _("order status looked up")
        CENTRES = "centres", _("nearest service centres")
        LINK = "link", _("link code sent")
        RATING = "rating", _("the fan rated an answer")
        EVENT = "event", _("event")
        UNSUPPORTED = "unsupported", _("type not supported")

    class Picture(models.TextChoices):
        PENDING = "pending", _("being fetched from WeChat")
        ATTACHED = "attached", _("attached to the ticket")
        TOO_BIG = "too_big", _("not attached: larger than the most a file may be")
        NOT_ACCEPTED = "refused", _("not attached: not an image the desk accepts")
        GONE = "gone", _("not attached: WeChat no longer has it or refused to send it")
        FAILED = "failed", _("not attached: WeChat could not be reached")

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("message key"), max_length=120)
    follower = models.ForeignKey(
        Follower, verbose_name=_("WeChat follower"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=30)
    content = models.TextField(_("content"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    rule = models.ForeignKey(
        "servicedesk.Rule", verbose_name=_("rule"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply = models.TextField(_("passive reply"), blank=True)
    # A picture's MediaId and what became of it (servicedesk.wechat.desk.fetch_picture, by Celery).
    media_id = models.CharField(_("media ID"), max_length=128, blank=True)
    picture = models.CharField(_("picture"), max_length=8, choices=Picture.choices, blank=True)
    picture_detail = models.CharField(_("picture detail"), max_length=300, blank=True)
    # The desk message it became (servicedesk.wechat.desk.receive): set once, so a second run adds nothing.
    desk_message = models.OneToOneField(
        "servicedesk.PrivateMessage",
        verbose_name=_("desk message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("WeChat message")
        verbose_name_plural = _("WeChat messages")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="wechat_inbound_once")]
        indexes = [models.Index(fields=["received_at"], name="wechat_inbound_received")]


class Nonce(models.Model):
    """A (timestamp, nonce) pair the webhook has accepted: the same pair again is a replay."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    timestamp = models.BigIntegerField()
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "timestamp", "nonce"], name="wechat_nonce_once")]
        indexes = [models.Index(fields=["seen_at"], name="wechat_nonce_seen")]


class Conversation(models.Model):
    """The WeChat side of a desk conversation (a PrivateRequest on the WeChat channel)."""

    request = models.OneToOneField("servicedesk.PrivateRequest", on_delete=models.CASCADE, related_name="wechat")
    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="conversations")

    class Meta:
        verbose_name = _("WeChat conversation")
        verbose_name_plural = _("WeChat conversations")


class Delivery(models.Model):
    """A desk answer on its way to the fan through the customer-service message API."""

    class State(models.TextChoices):
        PENDING = "pending", _("being sent")
        SENT = "sent", _("delivered to WeChat")
        EXPIRED = "expired", _("not delivered: the fan last wrote more than 48 hours earlier")
        FAILED = "failed", _("not delivered: WeChat refused it")

    message = models.OneToOneField("servicedesk.PrivateMessage", on_delete=models.CASCADE, related_name="wechat")
    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("WeChat delivery")
        verbose_name_plural = _("WeChat deliveries")


class LinkCode(models.Model):
    """A one-time code sent in the chat; a signed-in fan enters it on the site to link the follower."""

    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=8, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class ServiceCentre(models.Model):
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("name in English"), max_length=80, blank=True)
    city = models.ForeignKey("accounts.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200)
    address_en = models.CharField(_("address in English"), max_length=200, blank=True)
    hours = models.CharField(_("opening hours"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")
        ordering = ["city", "name"]
        indexes = [models.Index(fields=["city", "name"], name="service_centre_city")]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name

    @property
    def address_label(self) -> str:
        return self.address_en if (get_language() or "").startswith("en") and self.address_en else self.address


class MenuItem(models.Model):
    """One button of the custom menu (at most 3 at the top, 5 under each). A click sends its keyword,
    which is routed as if the fan had typed it; a link opens its address."""

    class Kind(models.TextChoices):
        CLICK = "click", _("keyword")
        VIEW = "view", _("link")

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="menu")
    parent = models.ForeignKey(
        "self", verbose_name=_("under"), on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("label"), max_length=16)
    kind = models.CharField(_("type"), max_length=5, choices=Kind.choices, default=Kind.CLICK)
    keyword = models.CharField(_("keyword"), max_length=60, blank=True)
    url = models.URLField(_("address"), blank=True)

    class Meta:
        verbose_name = _("menu button")
        verbose_name_plural = _("menu buttons")
        ordering = ["account", "parent_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="click", url="") & ~Q(keyword="") | Q(kind="view", keyword="") & ~Q(url=""),
                name="menu_item_keyword_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Broadcast(models.Model):
    """A message to every follower: rare, deliberate, previewed first, logged with who sent it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        PREVIEWED = "previewed", _("preview sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("text"), max_length=600)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )  # fmt: skip
    created_at = models.DateTimeField(_("written at"), editable=False)
    previewed_to = models.CharField(_("preview sent to (OpenID)"), max_length=64, blank=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False,
    )  # fmt: skip
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    result = models.CharField(_("WeChat's answer"), max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "sent_at"], name="wechat_broadcast_sent")]

    def __str__(self) -> str:
        return self.text[:40]
