"""Large events (a launch, a fan festival): tens of thousands of places and a million sign-ups.

Imported by meetups/models.py so Django finds them; the writes are in meetups/launches.py (sign-up)
and meetups/allocation.py (the one allocator that gives places).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Launch(models.Model):
    class Mode(models.TextChoices):
        FIRST_COME = "first_come", _("First come, first served")
        DRAW = "draw", _("Draw among everyone who signs up in the window")

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    mode = models.CharField(_("how places are given"), max_length=12, choices=Mode.choices, default=Mode.FIRST_COME)
    opens_at = models.DateTimeField(_("sign-up opens at"))
    closes_at = models.DateTimeField(
        _("sign-up closes at"),
        help_text=_("For a draw, the draw runs within seconds after this time among everyone who signed up."),
    )
    published = models.BooleanField(_("published"), default=False)
    require_verified_email = models.BooleanField(_("only fans with a verified email address"), default=False)
    min_account_days = models.PositiveIntegerField(
        _("only accounts at least this many days old"), default=0, help_text=_("0: any account.")
    )
    require_active = models.BooleanField(
        _("only fans active in the last 30 days"),
        default=False,
        help_text=_("Active: the fan opened the site on some day of the last 30."),
    )
    # Written by the allocator only, once per batch: the places given so far.
    allocated = models.PositiveIntegerField(_("places given"), default=0, editable=False)
    # The allocator's cursor: every sign-up numbered up to here is decided, none after it is.
    decided_through = models.BigIntegerField(_("decided up to number"), default=0, editable=False)
    # The draw (meetups/draw.py's algorithm): the seed is drawn when the launch is created and only its
    # SHA-256 is shown until the draw publishes both with every entry (checked by scripts/verify_draw.py).
    draw_seed = models.CharField(max_length=64, blank=True, editable=False)
    draw_commitment = models.CharField(
        _("draw commitment (SHA-256 of the seed)"), max_length=64, blank=True, editable=False
    )
    draw_record = models.JSONField(_("published draw"), null=True, blank=True, editable=False)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("large event")
        verbose_name_plural = _("large events")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="launch_capacity_positive"),
            models.CheckConstraint(condition=Q(allocated__lte=models.F("capacity")), name="launch_never_oversold"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="launch_window_forward"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetups:launch", args=[self.pk])

    @property
    def line_sequence(self) -> str:
        """The PostgreSQL sequence that numbers this launch's sign-ups in arrival order (meetups.launches)."""
        return f"meetups_launch_line_{int(self.pk)}"

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.published and self.opens_at <= now < self.closes_at

    @property
    def sold_out(self) -> bool:
        return self.mode == self.Mode.FIRST_COME and self.allocated >= self.capacity

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("Sign-up must close after it opens.")})


class Signup(models.Model):
    """One fan's sign-up for a launch: inserted once by the request, decided once by the allocator."""

    class State(models.TextChoices):
        PENDING = "pending", _("In line")
        WON = "won", _("Has a place")
        LOST = "lost", _("No place")

    id = models.BigAutoField(primary_key=True)
    # No index of its own: signup_once_per_fan (launch, fan) serves every lookup by launch, and each
    # index less is one write less per sign-up in the rush.
    launch = models.ForeignKey(
        Launch, verbose_name=_("large event"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    fan = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("fan"), on_delete=models.CASCADE, related_name="+")
    # The fan's number in line: the launch's own sequence, taken by the INSERT (arrival order).
    number = models.BigIntegerField(_("number in line"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    # Whether the fan was active in the last 30 days when they signed up (the staff's share of active fans).
    active = models.BooleanField(_("active fan"), default=False)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            models.UniqueConstraint(fields=["launch", "fan"], name="signup_once_per_fan"),
            models.UniqueConstraint(fields=["launch", "number"], name="signup_number_unique"),
        ]
        indexes = [
            # Decided but not told yet: what allocation.requeue_untold looks for (a small index: rows
            # enter it when decided and leave it once told).
            models.Index(
                fields=["launch", "id"],
                name="signup_untold",
                condition=Q(notified_at__isnull=True) & ~Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.launch_id} #{self.number}"
