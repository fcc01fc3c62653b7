from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fancity.lib.names import in_page_language


class City(models.Model):
    name = models.CharField(_("Chinese name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=60)
    province = models.CharField(_("province"), max_length=20)
    province_en = models.CharField(_("province (English)"), max_length=40)
    slug = models.SlugField(unique=True, verbose_name=_("slug"))

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} · {self.name_en}"

    @property
    def label(self) -> str:
        return in_page_language(self.name, self.name_en)


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("Replies to threads I watch")
    MENTION = "mention", _("Mentions of me")
    QUOTE = "quote", _("Quotes of my posts")
    FEEDBACK = "feedback", _("Status changes and answers on my feedback")
    MEETUP = "meetup", _("Meetups in my city and my registrations")
    STAFF = "staff", _("Staff work queues")
    MODERATION = "moderation", _("Moderators' decisions about my posts, and reports to handle")
    LIKE = "like", _("Likes of my posts")
    MESSAGE = "message", _("Private messages to me")
    FOLLOW = "follow", _("New threads by fans I follow")


# Accounts the site itself writes with (the service desk's automatic answers): shown with a name in
# the reader's language, whatever their display name says; nobody may sign up with one of these names.
BOT_USERNAME = "fancity-bot"
SYSTEM_NAMES = {BOT_USERNAME: _("Fancity auto-reply")}


# Who counts as a fan: every fan count (active fans, city ranking, insights and segments) and every list or
# lookup of fans (mentions, profiles, follows, search by author, the admin's default list) uses this one
# rule, through `User.objects.fans()`. Deleted accounts and stand-ins are not fans.
FANS = Q(deleted_at__isnull=True, stand_in=False)


class UserManager(DjangoUserManager["User"]):
    def fans(self) -> "models.QuerySet[User]":
        return self.filter(FANS)


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    city = models.ForeignKey(
        City, verbose_name=_("home city"), on_delete=models.PROTECT, null=True, blank=True, related_name="fans"
    )
    bio = models.TextField(_("short bio"), max_length=500, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    language = models.CharField(_("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    muted_emails = models.JSONField(_("notification kinds not sent by email"), default=list, blank=True)
    last_active_on = models.DateField(_("last active on"), null=True, blank=True)
    banned_until = models.DateTimeField(_("banned until"), null=True, blank=True)
    ban_reason = models.CharField(_("ban reason"), max_length=200, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    # An account made by an outside channel for someone who wrote through it and never signed up (a
    # WeChat follower's conversations belong to one until they link their own). It cannot sign in
    # (accounts.backends), has no public profile and is neither counted nor listed as a fan (FANS).
    stand_in = models.BooleanField(
        _("channel stand-in"),
        default=False,
        db_default=False,  # rows written with SQL (the seed's COPY, benchmarks) are fans too
        editable=False,
        help_text=_(
            "Made by an outside channel for someone who never signed up: cannot sign in, not counted as a fan."
        ),
    )

    objects: ClassVar[UserManager] = UserManager()

    # Read once per user object and kept on it for the request, never stored: set by
    # accounts.backends.load_fan, accounts.roles.in_group and forum.moderation.moderators. Annotations only, so
    # `hasattr(user, name)` stays False until one of them sets the value.
    _group_names: frozenset[str]
    _moderated_board_ids: frozenset[int]
    unread_notifications: int

    class Meta:
        verbose_name = _("fan")
        verbose_name_plural = _("fans")
        indexes = [
            models.Index(fields=["city", "last_active_on"], name="user_city_active"),
            models.Index(fields=["date_joined"], name="user_joined"),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return public_name(self.username, self.display_name, self.deleted_at)

    @property
    def is_banned(self) -> bool:
        return self.banned_until is not None and self.banned_until > timezone.now()

    def get_absolute_url(self) -> str:
        return reverse("profile", args=[self.username])

    def wants_email(self, kind: str) -> bool:
        return bool(self.email) and not self.deleted_at and kind not in self.muted_emails


# A ban "for good" is a ban until this far-away moment; it keeps one column and one check.
BANNED_FOR_GOOD = datetime(9999, 1, 1, tzinfo=timezone.get_fixed_timezone(0))


class DailyActivity(models.Model):
    """One row per fan per day on which they visited or posted: the base of "active fans"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        verbose_name = _("daily activity")
        verbose_name_plural = _("daily activity")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="activity_once_a_day")]
        indexes = [models.Index(fields=["day", "user"], name="activity_day_user")]


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    # Notifications sharing a group (say, one thread) send at most one email per hour.
    group = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Held for the fan's digest mail (its group was mailed within the hour): sent once this passes.
    digest_at = models.DateTimeField(null=True, blank=True)
    # A folded notification stands, while unread, for every event of its kind and group ("27 new
    # replies in …"): later events update it (`count`, `actor`, `created_at`) instead of adding rows
    # (accounts.notifications.notify_folded). `target_id` is the first unread item of the group (a
    # forum post), which the app that owns the group resolves when it is shown.
    folds = models.BooleanField(default=False)
    count = models.PositiveIntegerField(default=1)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One unread folded notification per fan, kind and group: concurrent events upsert into it.
            models.UniqueConstraint(
                fields=["recipient", "kind", "group"],
                condition=Q(folds=True, read_at__isnull=True),
                name="notification_one_unread_fold",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["recipient", "group", "emailed_at"], name="notification_mailed"),
            models.Index(
                fields=["digest_at"],
                condition=Q(emailed_at__isnull=True, read_at__isnull=True, digest_at__isnull=False),
                name="notification_digest_due",
            ),
        ]


class WordAction(models.TextChoices):
    BLOCK = "block", _("Block the post")
    HOLD = "hold", _("Hold it for a moderator")
    MASK = "mask", _("Mask the word (＊)")


class SensitiveWord(models.Model):
    """An entry of the sensitive-word list (敏感词), edited in the admin; see accounts/wordfilter.py."""

    word = models.CharField(_("word"), max_length=100)
    # NFKC + case-folded `word` (fancity.lib.text.normalise), what the automaton matches; unique.
    normalised = models.CharField(max_length=100, unique=True, editable=False, verbose_name=_("normalised form"))
    action = models.CharField(_("action"), max_length=10, choices=WordAction.choices, default=WordAction.BLOCK)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")
        ordering = ["normalised"]
        constraints = [models.CheckConstraint(condition=~Q(normalised=""), name="sensitive_word_not_empty")]

    def __str__(self) -> str:
        return self.word


def public_name(username: str, display_name: str, deleted_at) -> str:
    """The name shown for a fan (also for the cards of forum.reading.cards, which carry these three fields)."""
    if deleted_at:
        return str(_("deleted user"))
    if username in SYSTEM_NAMES:
        return str(SYSTEM_NAMES[username])
    return display_name or username
