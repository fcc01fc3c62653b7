"""Credits and levels, daily check-in, device tags, medals and following (issue 25).

The app sits between accounts and the forum (pyproject.toml's layers): the forum's post card reads a
fan's level, shown medals and main device with the author's row, and the forum, meetups and the
service desk credit fans by calling `community.credits`, never the other way round.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def label(name: str, name_en: str) -> str:
    """A staff-named thing in the page's language (English falls back to the Chinese name)."""
    return name if (get_language() or "").startswith("zh") or not name_en else name_en


class Level(models.Model):
    """A level (等级): reached at `threshold` credits; what it unlocks. The lowest level (threshold 0)
    carries the new-fan rules forum/writing/limits.py applied before levels existed."""

    name = models.CharField(_("Chinese name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=40, blank=True)
    threshold = models.PositiveIntegerField(_("credits needed"), unique=True)
    first_day_threads = models.PositiveSmallIntegerField(
        _("threads a new fan may start on their first day"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
    )
    first_day_replies = models.PositiveSmallIntegerField(
        _("replies a new fan may write on their first day"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    may_post_links = models.BooleanField(_("may post links and outside images"), default=True)
    may_attach = models.BooleanField(_("may attach images and logs"), default=True)
    may_propose_meetup = models.BooleanField(_("may propose a meetup"), default=True)
    may_message_strangers = models.BooleanField(_("may message fans who do not follow them"), default=False)

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        ordering = ["threshold"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return label(self.name, self.name_en)


class CreditReason(models.TextChoices):
    THREAD = "thread", _("Started a thread")
    REPLY = "reply", _("Wrote a reply")
    LIKE = "like", _("A post was liked")
    ANSWER = "answer", _("An answer was marked official")
    MEETUP = "meetup", _("Attended a meetup")
    BUG = "bug", _("A bug report was confirmed")
    CHECKIN = "checkin", _("Daily check-in")
    STAFF = "staff", _("Adjusted by staff")


class CreditEntry(models.Model):
    """One change of a fan's credits (积分), with its reason: the ledger. A fan's credits are the sum
    of their entries; `Standing` keeps that sum and the level it gives, written in the same
    transaction (community.credits)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("fan")
    )
    amount = models.IntegerField(_("credits"))
    reason = models.CharField(_("reason"), max_length=10, choices=CreditReason.choices)
    # What earned it ("post:12", "post:12:like:7", "meetup:3", "checkin:2026-12-06"): one credit per
    # thing, found again to reverse it when the thing is hidden or deleted.
    ref = models.CharField(_("for"), max_length=80, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    # A reversal points at the entry it takes back; the entry taken back is marked `reversed`.
    reverses = models.OneToOneField("self", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    reversed = models.BooleanField(_("taken back"), default=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    day = models.DateField()  # the local day it counts against the reason's daily cap

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit ledger")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A thing earns once: a second award of the same ref waits for the first to be reversed.
            models.UniqueConstraint(
                fields=["user", "reason", "ref"],
                condition=Q(amount__gt=0, reversed=False, reverses__isnull=True) & ~Q(ref=""),
                name="credit_once_per_thing",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "reason", "day"], name="credit_cap"),
            models.Index(fields=["ref"], name="credit_ref", opclasses=["varchar_pattern_ops"]),
        ]


class Standing(models.Model):
    """A fan's credits and level: the ledger's sum, kept in step with it (one row per fan who has one)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="standing",
        verbose_name=_("fan"),
    )
    credits = models.IntegerField(_("credits"), default=0)
    level = models.ForeignKey(
        Level, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("level")
    )

    class Meta:
        verbose_name = _("standing")
        verbose_name_plural = _("standings")


class CheckIn(models.Model):
    """One daily check-in (签到): one row per fan and day, the database refusing a second."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    streak = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="checkin_once_a_day")]


class Device(models.Model):
    """A phone model (机型) in the list staff keep."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    is_active = models.BooleanField(_("offered to fans"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class FanDevice(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    is_main = models.BooleanField(default=False)
    system_version = models.CharField(_("system version"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("fan's device")
        verbose_name_plural = _("fans' devices")
        constraints = [
            models.UniqueConstraint(fields=["user", "device"], name="fan_device_once"),
            models.UniqueConstraint(fields=["user"], condition=Q(is_main=True), name="fan_device_one_main"),
        ]


class Medal(models.Model):
    """A medal (勋章). Automatic ones have a `rule` (community.medals.RULES); the others staff award."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("Chinese name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=40, blank=True)
    description = models.CharField(_("what it is for"), max_length=200, blank=True)
    icon = models.CharField(_("icon (one emoji)"), max_length=8, default="🏅")
    rule = models.CharField(_("automatic rule"), max_length=30, blank=True, editable=False)

    class Meta:
        verbose_name = _("medal")
        verbose_name_plural = _("medals")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return label(self.name, self.name_en)


MAX_SHOWN_MEDALS = 3


class MedalAward(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("fan")
    )
    medal = models.ForeignKey(Medal, on_delete=models.CASCADE, related_name="awards", verbose_name=_("medal"))
    awarded_at = models.DateTimeField(_("awarded at"), default=timezone.now)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("awarded by"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # 1-3: shown under the fan's name on posts, in this order; null: only on the profile.
    shown_position = models.PositiveSmallIntegerField(_("shown in place"), null=True, blank=True)

    class Meta:
        verbose_name = _("medal award")
        verbose_name_plural = _("medal awards")
        constraints = [
            models.UniqueConstraint(fields=["user", "medal"], name="medal_once_per_fan"),
            models.UniqueConstraint(
                fields=["user", "shown_position"],
                condition=Q(shown_position__isnull=False),
                name="medal_one_per_shown_place",
            ),
            models.CheckConstraint(
                condition=Q(shown_position__isnull=True)
                | Q(shown_position__gte=1, shown_position__lte=MAX_SHOWN_MEDALS),
                name="medal_shown_place_in_range",
            ),
        ]


class Follow(models.Model):
    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    followed = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once"),
            models.CheckConstraint(condition=~Q(follower=models.F("followed")), name="follow_not_self"),
        ]
        indexes = [models.Index(fields=["followed", "follower"], name="follow_followed")]
