"""Service desk data: keyword rules (admin-edited), one ticket per feedback thread, desk settings, and
the weekly activity rows the insights page draws.

A ticket is written by the triage task for every new feedback thread: it remembers the rule that
matched, whether the bot answered, whether (and how urgently) a person must answer, and who claimed
it. The clock itself is the forum's `Thread.first_staff_reply_at`, set by `forum.writing.posting.post_reply`.
"""

import datetime
from typing import Protocol

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class _NamesRule(Protocol):
    @property
    def rule(self) -> "Rule | None": ...
    @property
    def rule_id(self) -> int | None: ...
    @property
    def rule_name(self) -> str: ...


class RuleLabelled:
    """A ticket or rating names the rule that answered it: in the reader's language while the rule
    exists (load it with select_related), else as it was named then."""

    @property
    def rule_label(self: _NamesRule) -> str:
        return self.rule.label if self.rule_id is not None and self.rule is not None else self.rule_name


class Priority(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    NORMAL = 1, _("Normal")
    URGENT = 2, _("Urgent")


class TicketState(models.TextChoices):
    """Where a ticket is in its life (servicedesk/lifecycle.py moves it; servicedesk/README.md draws it)."""

    NEW = "new", _("New")
    CLAIMED = "claimed", _("Claimed")
    ANSWERED = "answered", _("Answered, waiting for the fan")
    REOPENED = "reopened", _("Reopened")
    SOLVED = "solved", _("Solved")


class Channel(models.TextChoices):
    """Where a fan asked: a public feedback thread, a private request on the site, or the WeChat account."""

    FORUM = "forum", _("Forum feedback")
    REQUEST = "request", _("Private request")
    WECHAT = "wechat", _("WeChat")


def every_channel() -> list[str]:
    return [c.value for c in Channel]


# States in which a person must act: the queue.
OPEN_STATES = (TicketState.NEW, TicketState.CLAIMED, TicketState.REOPENED)


class Team(models.Model):
    """A group within the desk (orders, ROM flashing, logistics): tickets and keyword rules name one."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    name_en = models.CharField(
        _("name in English"),
        max_length=80,
        blank=True,
        help_text=_("For staff who read the site in English; when empty they see the name above."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="desk_teams"
    )

    class Meta:
        verbose_name = _("desk team")
        verbose_name_plural = _("desk teams")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


class Tag(models.Model):
    """A label on tickets, set by staff or by a keyword rule; stored lower-cased, so one tag has one row."""

    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("ticket tag")
        verbose_name_plural = _("ticket tags")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="tag_not_empty")]

    def __str__(self) -> str:
        return self.name


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(
        _("name in English"),
        max_length=80,
        blank=True,
        help_text=_("For staff who read the site in English; when empty they see the name above."),
    )
    phrases = models.TextField(
        _("keywords or phrases"),
        help_text=_(
            "One per line, Chinese or English. Matched case-insensitively as whole phrases on the "
            "title and first post of new feedback threads."
        ),
    )
    boards = models.ManyToManyField(
        "forum.Board",
        verbose_name=_("boards"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for every feedback board."),
    )
    priority = models.IntegerField(
        _("priority"),
        default=100,
        help_text=_("When several rules match, the one with the highest priority is applied."),
    )
    reply_template = models.TextField(
        _("automatic reply"),
        blank=True,
        help_text=_(
            "Markdown posted by the bot account. You may use {{ name }} (the fan) and {{ title }}. "
            "Leave empty for no automatic reply."
        ),
    )
    reply_template_en = models.TextField(
        _("automatic reply in English"),
        blank=True,
        help_text=_("For fans who read the site in English; when empty they get the reply above."),
    )
    escalate = models.PositiveSmallIntegerField(
        _("escalate to the staff queue"), choices=Priority.choices, default=Priority.NONE
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("route to the team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rules",
    )
    tags = models.ManyToManyField(
        Tag,
        verbose_name=_("tags it sets"),
        blank=True,
        related_name="rules",
        help_text=_("Set on every item it matches."),
    )
    channels = ArrayField(
        models.CharField(max_length=10, choices=Channel.choices),
        verbose_name=_("channels"),
        default=every_channel,
        help_text=_("Where the rule applies: forum feedback, private requests, WeChat messages."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("keyword rule")
        verbose_name_plural = _("keyword rules")
        ordering = ["-priority", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reply_template="") | Q(escalate__gt=0), name="rule_has_an_action"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phrase_list(self) -> list[str]:
        return [line.strip() for line in self.phrases.splitlines() if line.strip()]

    @property
    def label(self) -> str:
        """The name in the reader's language: English where written, else the Chinese one."""
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name

    def template_for(self, language: str) -> str:
        """The automatic reply in `language` (a fan's setting): English where written, else the Chinese one."""
        if (language or "").startswith("en") and self.reply_template_en.strip():
            return self.reply_template_en
        return self.reply_template


class CannedReply(models.Model):
    """A reusable answer staff pick on the ticket page; {name} and {thread} are filled for the ticket."""

    title = models.CharField(_("title"), max_length=80)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    body = models.TextField(
        _("text"), help_text=_("Markdown. {name} becomes the fan's name, {thread} the thread's or request's title.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["language", "title", "id"]

    def __str__(self) -> str:
        return self.title

    def filled(self, name: str, thread: str) -> str:
        # Plain replacement, not str.format: a stray brace in the text must not break the page.
        return self.body.replace("{name}", name).replace("{thread}", thread)


class PrivateRequest(models.Model):
    """A fan's private conversation with the desk (an order, a delivery, an account): only the fan and
    desk staff read it. The forum knows nothing of it; its ticket sits in the same queue as feedback."""

    fan = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("fan"), on_delete=models.CASCADE, related_name="private_requests"
    )
    subject = models.CharField(_("subject"), max_length=120)
    created_at = models.DateTimeField(_("opened at"))
    # A public feedback thread that carried personal data, moved here by staff (servicedesk.private.move_thread).
    moved_from = models.OneToOneField(
        "forum.Thread",
        verbose_name=_("moved from the thread"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moved_to_request",
    )
    # Where the fan wrote: the site (Channel.REQUEST) or the WeChat account (Channel.WECHAT; the
    # conversation's WeChat side is servicedesk.wechat.models.Conversation).
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.REQUEST)

    class Meta:
        verbose_name = _("private request")
        verbose_name_plural = _("private requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["fan", "-created_at"], name="private_request_fan")]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:request", args=[self.pk])


class PrivateMessage(models.Model):
    request = models.ForeignKey(PrivateRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("message"))
    html = models.TextField()
    by_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    # Not stored: the request page sets them for its asker (servicedesk.views): may it be rated, and how it was.
    rateable: bool = False
    rated_helpful: bool | None = None
    rated_comment: str = ""

    class Meta:
        verbose_name = _("private message")
        verbose_name_plural = _("private messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at", "id"], name="private_message_request")]

    def get_absolute_url(self) -> str:
        return f"{self.request.get_absolute_url()}#m{self.pk}"


class MessageAttachment(models.Model):
    """A file in a private request (both ways), checked as forum attachments are (type from content; images
    re-encoded without EXIF), kept in the private storage, served only to the fan and desk staff."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        LOG = "log", _("log")

    message = models.ForeignKey(PrivateMessage, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    file = models.CharField(_("stored as"), max_length=255)
    created_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("private attachment")
        verbose_name_plural = _("private attachments")
        ordering = ["message", "id"]

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:attachment", args=[self.pk])


class Ticket(RuleLabelled, models.Model):
    class Reason(models.TextChoices):
        RULE = "rule", _("A rule escalated it")
        NO_RULE = "no_rule", _("No rule answered it")
        FAN_ASKED = "fan_asked", _("The fan asked for a person")
        RULE_FAILED = "rule_failed", _("A rule failed")
        FAN_REPLIED = "fan_replied", _("The fan replied to the answer")

    # A ticket is about a public feedback thread or a private request, never both.
    thread = models.OneToOneField(
        "forum.Thread",
        verbose_name=_("thread"),
        on_delete=models.CASCADE,
        related_name="desk_ticket",
        null=True,
        blank=True,
    )
    request = models.OneToOneField(
        PrivateRequest,
        verbose_name=_("private request"),
        on_delete=models.CASCADE,
        related_name="ticket",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("posted at"))
    city = models.ForeignKey(
        "accounts.City",
        verbose_name=_("fan's city"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rule = models.ForeignKey(
        Rule, verbose_name=_("matched rule"), on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    rule_name = models.CharField(_("matched rule"), max_length=80, blank=True)
    auto_post = models.ForeignKey(
        "forum.Post",
        verbose_name=_("automatic answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    auto_answered_at = models.DateTimeField(_("answered automatically at"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NONE)
    reason = models.CharField(_("why a person must answer"), max_length=20, choices=Reason.choices, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    triaged_at = models.DateTimeField(_("rules applied at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=TicketState.choices, default=TicketState.NEW)
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    # When the item last joined the queue (escalated, or reopened by the fan): its age counts from here.
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    # The latest answer in the thread (the bot's or a person's): what the fan rates on the thread page.
    answer_post = models.ForeignKey(
        "forum.Post",
        verbose_name=_("latest answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    device_model = models.CharField(_("device model"), max_length=80, blank=True)
    system_version = models.CharField(_("system version"), max_length=40, blank=True)
    order_number = models.CharField(_("order number"), max_length=40, blank=True)
    # The fan's words (subject and messages), tokenised as the forum's search (forum.reading.search.vector_literal).
    search = SearchVectorField(_("search text"), null=True, editable=False)
    # A duplicate merged into another ticket of the same fan (servicedesk.merging): closed, kept, pointing there.
    # The service level targets of its priority, counted in business hours (servicedesk.sla), set when it
    # joins the queue: the first answer is due by `response_due`, the solution by `resolution_due`.
    response_due = models.DateTimeField(_("first answer due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("solution due"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )

    # Not columns: set on the instance for the page that shows it (servicedesk.views, queries.desk_state).
    age: datetime.timedelta
    overdue: bool
    rated_helpful: bool | None
    rated_comment: str | None

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-priority", "created_at"]
        indexes = [
            # The queue: escalated and open, most urgent then longest waiting first (keyed for paging).
            models.Index(
                fields=["-priority", "waiting_since", "id"],
                name="ticket_open_queue",
                condition=Q(escalated_at__isnull=False, state__in=OPEN_STATES),
            ),
            # Automatic solving: answered items by the time they were answered.
            models.Index(fields=["state_changed_at"], name="ticket_answered", condition=Q(state=TicketState.ANSWERED)),
            models.Index(fields=["created_at"], name="ticket_created"),
            GinIndex(fields=["search"], name="ticket_search"),
            models.Index(fields=["claimed_by", "state"], name="ticket_agent"),
            models.Index(fields=["team", "state"], name="ticket_team"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(escalated_at__isnull=True) | Q(priority__gt=0), name="ticket_escalated_has_priority"
            ),
            models.CheckConstraint(
                condition=Q(thread__isnull=True) ^ Q(request__isnull=True), name="ticket_thread_or_request"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.thread_id}" if self.thread_id else f"P{self.request_id}"

    @property
    def subject(self) -> str:
        if self.thread is not None:  # no query when thread_id is None
            return self.thread.title
        assert self.request is not None  # ticket_thread_or_request
        return self.request.subject

    @property
    def fan(self):
        if self.thread_id:
            assert self.thread is not None
            return self.thread.author
        assert self.request is not None  # ticket_thread_or_request
        return self.request.fan

    @property
    def is_private(self) -> bool:
        return self.request_id is not None

    @property
    def is_open(self) -> bool:
        """A person must act: escalated and new, claimed or reopened."""
        return self.escalated_at is not None and self.state in OPEN_STATES


class TicketEvent(models.Model):
    """One line of a ticket's history: who moved it from which state to which, and when."""

    class Kind(models.TextChoices):
        ESCALATED = "escalated", _("sent to the queue")
        AUTO_ANSWERED = "auto_answered", _("answered automatically")
        CLAIMED = "claimed", _("claimed")
        HANDED_BACK = "handed_back", _("handed back")
        ANSWERED = "answered", _("answered")
        REOPENED = "reopened", _("reopened by the fan")
        SOLVED = "solved", _("solved")
        AUTO_SOLVED = "auto_solved", _("solved automatically (no reply from the fan)")
        MOVED = "moved", _("moved to a private request")
        ASSIGNED = "assigned", _("assigned")
        MERGED = "merged", _("merged")

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_state = models.CharField(_("from"), max_length=10, choices=TicketState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=10, choices=TicketState.choices)
    # What changed besides the state, as it read then (an assignment's agent and team, a merge's other ticket).
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_state} → {self.to_state}"


class TicketNote(models.Model):
    """An internal note on a ticket: desk staff only, never shown to the fan, mailed or exported to them."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("note"))
    html = models.TextField()
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_note_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


class SavedView(models.Model):
    """A queue search an agent saved: shown in their sidebar, theirs only."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="desk_views"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("search"), max_length=500)
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved queue view")
        verbose_name_plural = _("saved queue views")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_once")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('servicedesk:queue')}?{self.query}"


class Rating(RuleLabelled, models.Model):
    """The fan who asked says whether one answer helped (once per answer; they may change their mind).

    The answer is a post in the feedback thread or a message in the private request; `automatic`
    and `rule` say the bot answered and by which keyword rule, `answered_by` the person who did.
    """

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="ratings")
    post = models.OneToOneField(
        "forum.Post", verbose_name=_("answer"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message = models.OneToOneField(
        PrivateMessage,
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rating",
    )
    fan = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("fan"), on_delete=models.CASCADE, related_name="+")
    automatic = models.BooleanField(_("answered automatically"))
    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings"
    )
    rule_name = models.CharField(_("rule"), max_length=80, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    helpful = models.BooleanField(_("helped"))
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at"]
        indexes = [models.Index(fields=["rated_at"], name="rating_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(post__isnull=True) ^ Q(message__isnull=True), name="rating_one_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {'+' if self.helpful else '-'}"


class DeskSettings(models.Model):
    """The one row of service desk parameters; staff edit it in the admin."""

    target_minutes = models.PositiveIntegerField(
        _("first response target (minutes)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(10080)]
    )

    answer_minutes = models.PositiveIntegerField(
        _("alert when a claimed item waits for an answer longer than (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(10080)],
    )
    auto_solve_days = models.PositiveIntegerField(
        _("solve answered items after (days without a reply from the fan)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("service desk settings")
        verbose_name_plural = _("service desk settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="desk_settings_single_row")]

    def __str__(self) -> str:
        return str(_("Service desk settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "DeskSettings":
        return cls.objects.get_or_create(pk=1)[0]


class DeskAlert(models.Model):
    """The desk group was told that this item passed this threshold: one row, so exactly one alert."""

    class Threshold(models.TextChoices):
        UNCLAIMED = "unclaimed", _("urgent and unclaimed past the target")
        UNANSWERED = "unanswered", _("claimed and unanswered too long")

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="alerts")
    threshold = models.CharField(_("threshold"), max_length=12, choices=Threshold.choices)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("desk alert")
        verbose_name_plural = _("desk alerts")
        constraints = [models.UniqueConstraint(fields=["ticket", "threshold"], name="desk_alert_once")]


class SlaTarget(models.Model):
    """How soon an item of one priority must get its first answer and its solution, in business minutes."""

    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, unique=True)
    response_minutes = models.PositiveIntegerField(
        _("first answer within (business minutes)"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("solution within (business minutes)"), validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    warn_minutes = models.PositiveIntegerField(
        _("warn this many minutes before"), default=10, validators=[MaxValueValidator(10_000)]
    )
    around_the_clock = models.BooleanField(
        _("around the clock"), default=False, help_text=_("Count every hour, not only business hours and workdays.")
    )

    class Meta:
        verbose_name = _("service level target")
        verbose_name_plural = _("service level targets")
        ordering = ["-priority"]

    def __str__(self) -> str:
        return str(self.get_priority_display())


class BusinessHours(models.Model):
    """The desk's opening hours on one weekday (several rows for a split day); no row: closed that day."""

    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
                 (5, _("Saturday")), (6, _("Sunday"))],
    )  # fmt: skip
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["weekday", "opens"]
        constraints = [models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="business_hours_in_order")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Holiday(models.Model):
    """A day the desk is closed (the clock of business-hours targets stops)."""

    day = models.DateField(_("day"), unique=True)
    name = models.CharField(_("name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}".strip()


class SlaEvent(models.Model):
    """An item came near or passed a target: one row per (ticket, target, stage, due time), so each alert
    goes out once; the breach rows, with the team and agent at that moment, make the breach report."""

    class Target(models.TextChoices):
        RESPONSE = "response", _("first answer")
        RESOLUTION = "resolution", _("solution")

    class Stage(models.TextChoices):
        WARNING = "warning", _("due soon")
        BREACH = "breach", _("breached")

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="sla_events")
    target = models.CharField(_("target"), max_length=10, choices=Target.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    due_at = models.DateTimeField(_("due at"))
    at = models.DateTimeField(_("at"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("service level event")
        verbose_name_plural = _("service level events")
        ordering = ["-at"]
        indexes = [models.Index(fields=["stage", "at"], name="sla_event_report")]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "stage", "due_at"], name="sla_event_once"),
        ]


class InboundMail(models.Model):
    """A fan's reply by mail, once per Message-ID: a mail server that delivers again changes nothing."""

    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, null=True, related_name="inbound_mails"
    )
    sender = models.CharField(_("sender"), max_length=254)
    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=20)

    class Meta:
        verbose_name = _("mail received")
        verbose_name_plural = _("mail received")
        ordering = ["-received_at"]


class ActivityWeek(models.Model):
    """Fans active in the 30 days up to `day` over all fans, per city (city NULL: everyone).

    One row per week and city, rewritten each night of that week by a Celery task, so the last
    night's figures stay; `day` is the day the figures were taken.
    """

    week = models.DateField(_("week (Monday)"))
    city = models.ForeignKey("accounts.City", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    day = models.DateField(_("measured on"))
    active_fans = models.PositiveIntegerField(_("active fans"))
    all_fans = models.PositiveIntegerField(_("all fans"))

    class Meta:
        verbose_name = _("weekly activity")
        verbose_name_plural = _("weekly activity")
        ordering = ["week"]
        constraints = [
            models.UniqueConstraint(fields=["week", "city"], name="activity_week_city", nulls_distinct=False),
        ]

    @property
    def rate(self) -> float:
        return self.active_fans / self.all_fans if self.all_fans else 0.0
