import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import City
from meetups.launch_models import Launch, Signup  # noqa: F401  (Django finds them here)

MIN_CAPACITY = 30
MAX_CAPACITY = 50
DEFAULT_CAPACITY = 40


class CitySnapshot(models.Model):
    """A city's fans on one day: kept for good, so the ranking page can draw trends."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    active_fans = models.PositiveIntegerField(_("active fans"))
    all_fans = models.PositiveIntegerField(_("all fans"))
    ratio = models.FloatField(_("active ratio"))
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        verbose_name = _("city snapshot")
        verbose_name_plural = _("city snapshots")
        ordering = ["-day", "rank"]
        constraints = [models.UniqueConstraint(fields=["city", "day"], name="snapshot_once_a_day")]
        indexes = [models.Index(fields=["day", "rank"], name="snapshot_day_rank")]

    def __str__(self) -> str:
        return f"{self.day} #{self.rank} {self.city}"


class SchedulerSettings(models.Model):
    """The one row of parameters for the fortnightly scheduler; staff edit it in the admin."""

    WEEKDAYS = [
        (0, _("Monday")),
        (1, _("Tuesday")),
        (2, _("Wednesday")),
        (3, _("Thursday")),
        (4, _("Friday")),
        (5, _("Saturday")),
        (6, _("Sunday")),
    ]

    no_repeat_days = models.PositiveIntegerField(
        _("days before a city may host again"),
        default=180,
        help_text=_("A city that hosted an official meetup within this many days is skipped."),
    )
    weeks_ahead = models.PositiveIntegerField(
        _("weeks ahead"), default=3, validators=[MinValueValidator(1), MaxValueValidator(26)]
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS, default=5)
    start_time = models.TimeField(_("start time"), default=datetime.time(14, 0))
    capacity = models.PositiveIntegerField(
        _("default capacity"),
        default=DEFAULT_CAPACITY,
        validators=[MinValueValidator(MIN_CAPACITY), MaxValueValidator(MAX_CAPACITY)],
    )
    # The door (meetups/checkin.py): tickets are accepted from this long before the start until this
    # long after the end of every meetup, not weeks early.
    checkin_opens_hours = models.PositiveIntegerField(
        _("check-in opens (hours before the start)"), default=2, validators=[MaxValueValidator(72)]
    )
    checkin_closes_hours = models.PositiveIntegerField(
        _("check-in closes (hours after the end)"), default=2, validators=[MaxValueValidator(72)]
    )

    class Meta:
        verbose_name = _("scheduler settings")
        verbose_name_plural = _("scheduler settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="scheduler_settings_single_row")]

    def __str__(self) -> str:
        return str(_("Scheduler settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "SchedulerSettings":
        return cls.objects.get_or_create(pk=1)[0]


class Meetup(models.Model):
    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official")
        FAN = "fan", _("Fan-organised")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Registration open")
        CLOSED = "closed", _("Registration closed")
        CANCELLED = "cancelled", _("Cancelled")
        FINISHED = "finished", _("Finished")

    class Approval(models.TextChoices):
        NOT_NEEDED = "", _("Not needed (official)")
        PENDING = "pending", _("Waiting for staff")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Mode(models.TextChoices):
        FIRST_COME = "first_come", _("First come, first served")
        DRAW = "draw", _("Draw")
        STAFF = "staff", _("Staff selection")

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="meetups")
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OFFICIAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, blank=True, default=Approval.NOT_NEEDED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), max_length=4000, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=DEFAULT_CAPACITY)
    capacity_override = models.BooleanField(
        _("allow a capacity outside 30-50"),
        default=False,
        help_text=_("Staff only: lets the capacity be below 30 or above 50."),
    )
    registration_opens_at = models.DateTimeField(_("registration opens at"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes at"), null=True, blank=True)
    cancel_cutoff = models.DateTimeField(
        _("cancellation cutoff"),
        null=True,
        blank=True,
        help_text=_("Confirmed fans can cancel (and free their seat) until then."),
    )
    mode = models.CharField(_("registration mode"), max_length=12, choices=Mode.choices, default=Mode.FIRST_COME)
    question = models.CharField(
        _("question for fans"),
        max_length=200,
        blank=True,
        help_text=_("Optional, e.g. “What would you ask our engineers?”"),
    )
    # Generated with `secrets` when the meetup is published and kept hidden until the draw; its
    # SHA-256 (the commitment) is public from publication on (meetups/draw.py).
    draw_seed = models.CharField(_("draw seed"), max_length=64, blank=True, editable=False)
    draw_commitment = models.CharField(
        _("draw commitment (SHA-256 of the seed)"), max_length=64, blank=True, editable=False
    )
    # What the draw published (seed, seats, each applicant's application order, pseudonym and weight,
    # the resulting order), kept as published: /meetups/<id>/draw.json, checked by scripts/verify_draw.py.
    draw_record = models.JSONField(_("published draw"), null=True, blank=True, editable=False)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    # "2025-F7": the scheduler's fortnight; one scheduled meetup per fortnight (NULL for others).
    fortnight_key = models.CharField(_("fortnight"), max_length=20, null=True, blank=True, editable=False)
    announcement_thread_id = models.PositiveBigIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("announcement thread")
    )
    announcement_url = models.CharField(max_length=300, blank=True, editable=False, verbose_name=_("announcement link"))
    city_thread_id = models.PositiveBigIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("city club thread")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))
    published_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("published at"))
    # Raised by every cancel or reschedule: the calendar file's SEQUENCE (RFC 5545).
    sequence = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    change_reason = models.CharField(_("reason for the last change"), max_length=500, blank=True, editable=False)
    late_promotion_hours = models.PositiveIntegerField(
        _("late promotion window (hours)"),
        default=48,
        help_text=_("A fan promoted from the waiting list this close to the start must confirm the seat."),
    )
    late_confirm_hours = models.PositiveIntegerField(
        _("hours to confirm a late promotion"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_("Unconfirmed after this long, the seat passes to the next fan on the waiting list."),
    )
    max_guests = models.PositiveSmallIntegerField(
        _("guests a fan may bring"),
        default=0,
        validators=[MaxValueValidator(3)],
        help_text=_("0: no guests. Each guest takes a seat. First come, first served meetups only."),
    )
    allow_transfer = models.BooleanField(
        _("fans may give their place to a friend"),
        default=False,
        help_text=_(
            "A confirmed fan who cannot come names a friend's account; the friend answers the questions "
            "and takes the seat with a new ticket, and the old ticket stops working."
        ),
    )

    class Meta:
        verbose_name = _("meetup")
        verbose_name_plural = _("meetups")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fortnight_key"], name="meetup_one_per_fortnight"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="meetup_capacity_positive"),
            models.CheckConstraint(
                condition=Q(max_guests__lte=3) & (Q(max_guests=0) | Q(mode="first_come")),
                name="meetup_guests_first_come_only",
            ),
            models.CheckConstraint(
                condition=Q(capacity_override=True) | Q(capacity__gte=MIN_CAPACITY, capacity__lte=MAX_CAPACITY),
                name="meetup_capacity_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="meetup_status_start"),
            models.Index(fields=["city", "kind", "starts_at"], name="meetup_city_kind_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetups:detail", args=[self.pk])

    @property
    def is_fan_organised(self) -> bool:
        return self.kind == self.Kind.FAN

    @property
    def is_past(self) -> bool:
        return self.starts_at <= timezone.now()

    def registration_closed_reason(self, now: datetime.datetime | None = None) -> str | None:
        """Why registration is not open at `now`, as a code, or None when it is open.

        The one definition of "is registration open". The codes are the keys of
        meetups.registration.CLOSED; the database function meetups_register (meetups/sql/register.sql)
        repeats this CASE for speed, and tests/meetups/test_open_rule.py asserts that it agrees.
        """
        now = now or timezone.now()
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.status == self.Status.CANCELLED:
            return "cancelled"
        if self.starts_at <= now or self.status == self.Status.FINISHED:
            return "past"
        if self.status == self.Status.CLOSED:
            return "closed"
        if self.registration_opens_at is None or now < self.registration_opens_at:
            return "not_yet"
        if self.registration_closes_at is not None and now >= self.registration_closes_at:
            return "closed"
        return None

    def registration_is_open(self, now: datetime.datetime | None = None) -> bool:
        return self.registration_closed_reason(now) is None

    def status_label(self) -> str:
        """The status as fans read it: a published meetup whose registration opens later does not say
        "registration open"."""
        if self.status == self.Status.PUBLISHED and self.registration_closed_reason() == "not_yet":
            return str(_("Registration not open yet"))
        return self.get_status_display()

    def clean(self):
        errors: dict[str, Any] = {}
        if not self.capacity_override and not MIN_CAPACITY <= (self.capacity or 0) <= MAX_CAPACITY:
            errors["capacity"] = _("Capacity must be between %(min)s and %(max)s unless staff allow an override.") % {
                "min": MIN_CAPACITY,
                "max": MAX_CAPACITY,
            }
        elif self.pk and self.capacity is not None:
            confirmed = seats_taken(self.registrations.all())
            if self.capacity < confirmed:
                errors["capacity"] = _("Capacity cannot be below the %(n)s fans already confirmed.") % {"n": confirmed}
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            errors["registration_closes_at"] = _("Registration must close after it opens.")
        if self.registration_closes_at and self.starts_at and self.registration_closes_at > self.starts_at:
            errors["registration_closes_at"] = _("Registration must close before the meetup starts.")
        if self.max_guests and self.mode != self.Mode.FIRST_COME:
            errors["max_guests"] = _("Guests are for first come, first served meetups only.")
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The meetup must end after it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def end(self) -> datetime.datetime:
        return self.ends_at or self.starts_at + datetime.timedelta(hours=3)


def seats_taken(registrations) -> int:
    """Seats the confirmed registrations among `registrations` take: each fan and their guests."""
    return registrations.filter(state=Registration.State.CONFIRMED).aggregate(n=Coalesce(Sum(F("guests") + 1), 0))["n"]


def new_ticket_code() -> str:
    """Ten characters a person can type at the door: 50 random bits, no look-alike letters."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Registration(models.Model):
    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Not selected")
        NO_SHOW = "no_show", _("Did not come")

    meetup = models.ForeignKey(Meetup, verbose_name=_("meetup"), on_delete=models.CASCADE, related_name="registrations")
    fan = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("fan"), on_delete=models.CASCADE, related_name="meetup_registrations"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    # Strictly increasing per meetup, given under the meetup's lock: the arrival order (first come)
    # or the draw order (draw). The waiting list is the waiting rows in this order.
    order = models.PositiveIntegerField(_("order"))
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    draw_weight = models.FloatField(_("draw weight"), null=True, blank=True)
    # The `order` the fan applied with, kept when the draw reorders them (published with the draw).
    applied_order = models.PositiveIntegerField(_("application order"), null=True, blank=True)
    # A seat given late from the waiting list is held until then; unconfirmed, it passes on.
    confirm_by = models.DateTimeField(_("confirm by"), null=True, blank=True)
    ticket_code = models.CharField(_("ticket code"), max_length=12, unique=True, default=new_ticket_code)
    # Guests the fan brings (at most the meetup's `max_guests`): each takes a seat, they come in
    # with the fan's ticket.
    guests = models.PositiveSmallIntegerField(_("guests"), default=0)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    # A late seat not yet confirmed: the fan was reminded halfway to `confirm_by` (once).
    late_reminded_at = models.DateTimeField(_("reminded to confirm at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["meetup", "order"]
        constraints = [
            models.UniqueConstraint(fields=["meetup", "fan"], name="registration_once_per_fan"),
            models.UniqueConstraint(fields=["meetup", "order"], name="registration_strict_order"),
        ]
        indexes = [models.Index(fields=["meetup", "state", "order"], name="registration_state_order")]

    def __str__(self) -> str:
        return f"{self.fan} · {self.meetup} · {self.get_state_display()}"


class AttendeeMessage(models.Model):
    """A message event staff sent to a meetup's attendees: the record of who sent what to whom."""

    class Audience(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed fans")
        WAITING = "waiting", _("Fans on the waiting list")
        CHECKED_IN = "checked_in", _("Fans who checked in")
        ALL = "all", _("Everyone registered")

    meetup = models.ForeignKey(Meetup, verbose_name=_("meetup"), on_delete=models.CASCADE, related_name="messages")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    audience = models.CharField(_("to"), max_length=12, choices=Audience.choices)
    text = models.CharField(_("message"), max_length=280)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("message to attendees")
        verbose_name_plural = _("messages to attendees")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.meetup} · {self.get_audience_display()} · {self.sent_at:%Y-%m-%d %H:%M}"


# Registration questions (issue 11): event staff ask what the venue needs (a real name, a phone
# number, a meal choice); answers are private to event staff (meetups.queries.answers_for), in the
# staff CSV, in the fan's data export and erased with the account.
ANSWER_MAX = 300
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 5, 20
_PHONE_CHARS = set("0123456789 +-()")


def phone_digits(value: str) -> str:
    """The digits of a phone number as typed ("+86 138-0013-8000" -> "8613800138000")."""
    return "".join(c for c in value if c.isdigit())


class Question(models.Model):
    """One question of a meetup's registration form, in the order event staff give."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short text")
        PHONE = "phone", _("Phone number")
        CHOICE = "choice", _("Single choice")
        YES_NO = "yes_no", _("Yes or no")

    YES, NO = "yes", "no"

    meetup = models.ForeignKey(Meetup, verbose_name=_("meetup"), on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind of answer"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    options = models.TextField(
        _("options"),
        max_length=2000,
        blank=True,
        help_text=_("Single choice only: one option per line."),
    )
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")
        ordering = ["meetup", "position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]

    def clean(self):
        if self.kind == self.Kind.CHOICE and len(self.option_list) < 2:
            raise ValidationError({"options": _("A single-choice question needs at least two options, one per line.")})
        if self.kind != self.Kind.CHOICE and self.option_list:
            raise ValidationError({"options": _("Only a single-choice question has options.")})
        if any(len(option) > ANSWER_MAX for option in self.option_list):
            raise ValidationError({"options": _("Each option must be under %(n)s characters.") % {"n": ANSWER_MAX}})

    def clean_answer(self, value: str | None) -> tuple[str, str]:
        """The one rule for an answer: returns (the answer as stored, its phone digits or "").

        An empty answer to an optional question is ("", ""); anything else that does not fit raises
        ValidationError with a message in the active language (the fan's).
        """
        value = " ".join(str(value or "").split())
        if not value:
            if self.required:
                raise ValidationError(_("Please answer this question."), code="required")
            return "", ""
        if len(value) > ANSWER_MAX:
            raise ValidationError(_("Please keep your answer under %(n)s characters.") % {"n": ANSWER_MAX})
        if self.kind == self.Kind.PHONE:
            digits = phone_digits(value)
            if not set(value) <= _PHONE_CHARS or not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
                raise ValidationError(_("Please enter a phone number (digits, spaces, + and - only)."))
            return value, digits
        if self.kind == self.Kind.CHOICE and value not in self.option_list:
            raise ValidationError(_("Please pick one of the options."))
        if self.kind == self.Kind.YES_NO and value not in (self.YES, self.NO):
            raise ValidationError(_("Please answer yes or no."))
        return value, ""

    def answer_display(self, value: str) -> str:
        """An answer as a person reads it (yes/no in the active language)."""
        if self.kind == self.Kind.YES_NO and value in (self.YES, self.NO):
            return str(_("Yes") if value == self.YES else _("No"))
        return value


class Answer(models.Model):
    """A fan's answer to a registration question; written with the registration, in one statement
    (the database function meetups_register), so a registration never lacks a required answer."""

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="+")
    value = models.CharField(_("answer"), max_length=ANSWER_MAX)
    # Phone questions: the digits alone, for the door's search by the last digits
    # (meetups.queries.phone_ends_with); "" for other kinds.
    digits = models.CharField(_("phone digits"), max_length=PHONE_MAX_DIGITS, blank=True, editable=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["registration", "question__position", "question_id"]
        constraints = [models.UniqueConstraint(fields=["registration", "question"], name="answer_once_per_question")]

    def __str__(self) -> str:
        return f"{self.question} · {self.value}"


class DoorEntry(models.Model):
    """What happened at a meetup's door, kept for good: a check-in (online or synced from a phone
    that scanned offline), an undone check-in, or a conflict (a ticket already let in, scanned again
    by another phone while offline). `scan_id` is the phone's id for one scan: a sync sent twice
    records it once (meetups.checkin.sync_scans)."""

    class Action(models.TextChoices):
        CHECK_IN = "check_in", _("Checked in")
        UNDO = "undo", _("Check-in undone")
        CONFLICT = "conflict", _("Conflict: already checked in")

    meetup = models.ForeignKey(Meetup, verbose_name=_("meetup"), on_delete=models.CASCADE, related_name="door_entries")
    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="door_entries"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When it happened at the door (the phone's clock for an offline scan); `recorded_at` when the
    # server learnt of it.
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    offline = models.BooleanField(_("scanned offline"), default=False)
    scan_id = models.UUIDField(_("scan id"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("door entry")
        verbose_name_plural = _("door log")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["meetup", "-recorded_at"], name="door_entry_meetup_recent")]

    def __str__(self) -> str:
        return f"{self.meetup} · {self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"


class TicketTransfer(models.Model):
    """A confirmed fan gives their place to a friend's account (where staff allow it for the meetup).

    Offered by the fan, accepted by the friend (who answers the registration questions): the same
    registration row then belongs to the friend, with a new ticket code, so the old ticket stops
    working (meetups.transfers). Kept for good: the log of who gave a place to whom, and when.
    """

    class State(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="transfers"
    )
    meetup = models.ForeignKey(Meetup, verbose_name=_("meetup"), on_delete=models.CASCADE, related_name="+")
    from_fan = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_fan = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OFFERED)
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    decided_at = models.DateTimeField(_("accepted or withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket transfer")
        verbose_name_plural = _("ticket transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"], condition=Q(state="offered"), name="transfer_one_open_offer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meetup} · {self.from_fan} → {self.to_fan} · {self.get_state_display()}"


class MailTemplate(models.Model):
    """A mail text event staff wrote in the admin for one kind of meetup mail and one language; the
    built-in text is used where there is none, or when this one does not render
    (meetups.mailtemplates: a limited set of tags, plain strings only in its context)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation (seat confirmed)")
        WAITING = "waiting", _("Waiting list")
        PROMOTION = "promotion", _("Promotion from the waiting list")
        CHANGE = "change", _("New time")
        CANCEL = "cancel", _("Cancelled")

    kind = models.CharField(_("mail"), max_length=12, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=5000)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("mail template")
        verbose_name_plural = _("mail templates")
        ordering = ["kind", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="mail_template_once_per_language")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_language_display()}"
