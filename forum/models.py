"""Forum data: boards, threads, posts (numbered floors), and what fans attach to them.

Counters live on the rows that list pages show (Board, Thread) and are changed by the functions in
forum/writing/posting.py in the same transaction as the post, so no list page ever counts rows.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fancity.lib.names import in_page_language

POSTS_PER_PAGE = 20


class BoardKind(models.TextChoices):
    ANNOUNCEMENTS = "announcements", _("Announcements")
    GENERAL = "general", _("General")
    FEEDBACK = "feedback", _("Feedback")
    CITY = "city", _("City club")
    BETA = "beta", _("Private beta")


class Board(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=BoardKind.choices, default=BoardKind.GENERAL)
    slug = models.SlugField(unique=True, max_length=80, verbose_name=_("slug"))
    name = models.CharField(_("Chinese name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80)
    description = models.CharField(_("Chinese description"), max_length=300, blank=True)
    description_en = models.CharField(_("English description"), max_length=300, blank=True)
    position = models.IntegerField(_("order"), default=100)
    city = models.OneToOneField(
        "accounts.City",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="forum_board",
        verbose_name=_("city"),
    )
    # Counters, kept by forum.writing.posting in the transaction that writes the post.
    thread_count = models.PositiveIntegerField(default=0, verbose_name=_("threads"))
    post_count = models.PositiveIntegerField(default=0, verbose_name=_("posts"))
    last_post_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last post at"))
    last_thread = models.ForeignKey(
        "Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("last thread")
    )
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last poster"),
    )

    class Meta:
        verbose_name = _("board")
        verbose_name_plural = _("boards")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="city", city__isnull=False) | (~Q(kind="city") & Q(city__isnull=True)),
                name="board_city_iff_city_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_page_language(self.name, self.name_en)

    @property
    def blurb(self) -> str:
        return in_page_language(self.description, self.description_en)

    @property
    def testers_only(self) -> bool:
        return self.kind == BoardKind.BETA

    @property
    def is_feedback(self) -> bool:
        return self.kind == BoardKind.FEEDBACK

    def get_absolute_url(self) -> str:
        return reverse("forum:board", args=[self.slug])


class FeedbackKind(models.TextChoices):
    BUG = "bug", _("Bug")
    SUGGESTION = "suggestion", _("Suggestion")
    QUESTION = "question", _("Question")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    FIXED = "fixed", _("Fixed")
    WONT_FIX = "wont_fix", _("Won't fix")
    DUPLICATE = "duplicate", _("Duplicate")


class Thread(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="threads", verbose_name=_("board"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="forum_threads", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=120)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    is_featured = models.BooleanField(
        _("featured"), default=False
    )  # 精华, set by forum.moderation.moderate.set_featured
    # Counters: floors handed out (deleted posts keep theirs), visible replies, views, last post.
    post_count = models.PositiveIntegerField(default=0, verbose_name=_("posts"))
    reply_count = models.PositiveIntegerField(default=0, verbose_name=_("replies"))
    view_count = models.PositiveIntegerField(default=0, verbose_name=_("views"))
    last_post_at = models.DateTimeField(default=timezone.now, verbose_name=_("last post at"))
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last poster"),
    )
    # Feedback threads only (blank elsewhere).
    feedback_kind = models.CharField(_("feedback kind"), max_length=20, choices=FeedbackKind.choices, blank=True)
    device_model = models.CharField(_("device model"), max_length=80, blank=True)
    software_version = models.CharField(_("software version"), max_length=80, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=FeedbackStatus.choices, blank=True)
    me_too_count = models.PositiveIntegerField(default=0, verbose_name=_("me too votes"))
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    official_post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("official answer")
    )
    first_staff_reply_at = models.DateTimeField(null=True, blank=True, verbose_name=_("first staff reply at"))
    time_to_first_staff_reply = models.DurationField(null=True, blank=True, verbose_name=_("time to first staff reply"))
    # Withdrawn from public view (forum.moderation.moderate.withdraw_thread): out of every list, feed and search,
    # its page a 404 for all but its author, the board's moderators and staff; its images served privately.
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.CharField(_("reason for withdrawing"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            # Covers the id too, so that skipping to page N of a board is an index-only scan.
            # Withdrawn threads are left out of the board page, so the partial index holds only the others.
            models.Index(
                fields=["board", "-is_pinned", "-last_post_at"],
                include=["id"],
                condition=Q(hidden_at__isnull=True),
                name="thread_board_activity",
            ),
            models.Index(
                fields=["board", "status", "-me_too_count"], name="thread_feedback_votes", condition=~Q(status="")
            ),
            models.Index(fields=["board", "-created_at"], name="thread_board_newest"),
            models.Index(fields=["author", "-created_at"], name="thread_author_recent"),
            models.Index(
                fields=["board", "-last_post_at"],
                condition=Q(is_featured=True, hidden_at__isnull=True),
                name="thread_board_featured",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(duplicate_of=models.F("id")), name="thread_not_duplicate_of_itself"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:thread", args=[self.pk])

    @property
    def is_feedback(self) -> bool:
        return bool(self.status)

    @property
    def page_count(self) -> int:
        return max(1, -(-self.post_count // POSTS_PER_PAGE))

    def page_of_floor(self, floor: int) -> int:
        return (max(floor, 1) - 1) // POSTS_PER_PAGE + 1


class Post(models.Model):
    # No index of its own: the unique (thread, floor) index serves every lookup by thread.
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="posts", db_index=False, verbose_name=_("thread")
    )
    floor = models.PositiveIntegerField(_("floor"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="forum_posts", verbose_name=_("author")
    )
    body = models.TextField(_("body"))
    html = models.TextField(editable=False, verbose_name=_("HTML"))
    by_staff = models.BooleanField(_("official (written by staff)"), default=False)
    quote = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("quoted post")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deleted at"))
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    like_count = models.PositiveIntegerField(default=0, verbose_name=_("likes"))
    # CJK bigrams and lower-cased words with positions (see forum/reading/search.py); empty once deleted or hidden.
    search = SearchVectorField(null=True, editable=False, verbose_name=_("search text"))

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["thread", "floor"]
        permissions = [("post_without_limits", _("Can post without the posting limits"))]
        constraints = [
            models.UniqueConstraint(fields=["thread", "floor"], name="post_floor_unique"),
            models.CheckConstraint(condition=Q(floor__gte=1), name="post_floor_positive"),
        ]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="post_author_recent"),
            # 只看楼主 (only the original poster): the OP's floors of one thread in order, by key.
            models.Index(fields=["thread", "author", "floor"], name="post_thread_author_floor"),
            GinIndex(fields=["search"], name="post_search"),
        ]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.floor}"

    def get_absolute_url(self) -> str:
        return reverse("forum:post", args=[self.pk])

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="like_once")]
        indexes = [
            models.Index(fields=["user", "post"], name="like_user_post"),
            models.Index(fields=["created_at"], name="like_recent"),  # the last days' likes, for forum/reading/hot.py
        ]


class Watch(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="watch_once")]
        indexes = [models.Index(fields=["user", "thread"], name="watch_user_thread")]


class ReadMark(models.Model):
    """The highest floor a fan has seen in a thread: threads with more floors are unread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    floor = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="readmark_once")]


class Bookmark(models.Model):
    """A thread a fan keeps (收藏), listed newest first on their bookmarks page (forum/writing/bookmarks.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bookmark")
        verbose_name_plural = _("bookmarks")
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="bookmark_once")]
        indexes = [models.Index(fields=["user", "-id"], name="bookmark_user_newest")]


class MeToo(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="me_toos")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="me_too_once")]


class StatusChange(models.Model):
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("thread")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed at"))
    from_status = models.CharField(max_length=20, choices=FeedbackStatus.choices, verbose_name=_("from"))
    to_status = models.CharField(max_length=20, choices=FeedbackStatus.choices, verbose_name=_("to"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("feedback status change")
        verbose_name_plural = _("feedback status changes")
        ordering = ["changed_at", "id"]


class Report(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports", verbose_name=_("post"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reporter")
    )
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.CharField(_("resolution"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"], name="report_once_per_fan", condition=Q(resolved_at__isnull=True)
            )
        ]
        indexes = [models.Index(fields=["created_at"], condition=Q(resolved_at__isnull=True), name="report_open")]


class BoardModerator(models.Model):
    """A fan appointed (by staff, in the admin) to moderate one board: 版主."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="moderator_links", verbose_name=_("board"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("moderator")
    )
    appointed_at = models.DateTimeField(default=timezone.now, verbose_name=_("appointed at"))

    class Meta:
        verbose_name = _("board moderator")
        verbose_name_plural = _("board moderators")
        constraints = [models.UniqueConstraint(fields=["user", "board"], name="board_moderator_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.board}"


class ModerationKind(models.TextChoices):
    HIDE = "hide", _("Hid a post")
    UNHIDE = "unhide", _("Restored a post")
    DELETE = "delete", _("Deleted a post")
    DISMISS = "dismiss", _("Dismissed a report")
    PIN = "pin", _("Pinned a thread")
    UNPIN = "unpin", _("Unpinned a thread")
    LOCK = "lock", _("Locked a thread")
    UNLOCK = "unlock", _("Unlocked a thread")
    MOVE = "move", _("Moved a thread")
    BAN = "ban", _("Banned a fan")
    UNBAN = "unban", _("Lifted a ban")
    WARN = "warn", _("Warned a fan")
    APPROVE = "approve", _("Approved a held post")
    REJECT = "reject", _("Rejected a held post")
    FEATURE = "feature", _("Featured a thread")
    UNFEATURE = "unfeature", _("Unfeatured a thread")
    HIDE_VERSION = "hide_version", _("Hid an earlier version of a post")
    UNHIDE_VERSION = "unhide_version", _("Showed an earlier version again")


class HotThread(models.Model):
    """A thread's place in the hot lists, written every few minutes by forum.reading.hot.rank (never per request)."""

    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, primary_key=True, related_name="+")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["board", "-score"], name="hot_board_score"),
            models.Index(fields=["-score"], name="hot_score"),
        ]


class ModerationAction(models.Model):
    """One moderator action, written by the function that acts (forum/moderation/actions.py), never edited."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("moderator")
    )
    kind = models.CharField(_("action"), max_length=20, choices=ModerationKind.choices)
    board = models.ForeignKey(Board, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("board"))
    thread = models.ForeignKey(
        Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("thread")
    )
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("post")
    )
    fan = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fan"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="modaction_recent"),
            models.Index(fields=["board", "-created_at"], name="modaction_board"),
            models.Index(fields=["moderator", "-created_at"], name="modaction_moderator"),
            models.Index(fields=["fan", "-created_at"], name="modaction_fan"),
        ]


class HeldPost(models.Model):
    """A thread or reply with a word that needs a moderator's look (accounts.wordfilter HOLD): it waits
    here and becomes a real post, through forum.writing.posting, once a moderator of its board approves it."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+", verbose_name=_("board"))
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("thread")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    body = models.TextField(_("body"))
    quote = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("quoted post")
    )
    extra = models.JSONField(default=dict, blank=True, verbose_name=_("extra fields"))
    words = models.CharField(_("matched words"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    approved = models.BooleanField(null=True, verbose_name=_("approved"))
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("post")
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("held post")
        verbose_name_plural = _("held posts")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["board", "created_at"], condition=Q(decided_at__isnull=True), name="heldpost_waiting"),
            models.Index(fields=["author", "-created_at"], name="heldpost_author"),
        ]


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    LOG = "log", _("Log")


class AttachmentState(models.TextChoices):
    PENDING = "pending", _("Being processed")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Could not be processed")


class Attachment(models.Model):
    """A file attached to a post (written with it by forum.writing.posting through forum/attachments/storing.py;
    forum/README.md says where they live).

    An image arrives as `original` in the private storage and stays PENDING until the task has made
    its `web` copy and `thumb` in the public storage (without EXIF); the original is then deleted.
    A log stays in the private storage as `original`, shown only to its uploader and the service desk.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=AttachmentState.choices)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original = models.CharField(max_length=300, blank=True)  # in storages["private"]
    web = models.CharField(max_length=300, blank=True)  # in storages["default"]
    thumb = models.CharField(max_length=300, blank=True)  # in storages["default"]
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["post", "id"]
        indexes = [models.Index(fields=["uploader", "-created_at"], name="attachment_uploader_recent")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="image", state="ready") | (~Q(web="") & ~Q(thumb="")),
                name="attachment_ready_image_has_copies",
            ),
            models.CheckConstraint(condition=~Q(kind="log") | ~Q(original=""), name="attachment_log_has_file"),
        ]

    def __str__(self) -> str:
        return self.name


class Draft(models.Model):
    """What a fan has typed and not yet posted: one per fan and thread (a reply) or per fan and board
    (a new thread). Saved as they type (forum/writing/drafts.py), dropped in the transaction that posts it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    title = models.CharField(_("title"), max_length=120, blank=True)
    body = models.TextField(_("body"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(thread__isnull=False), name="draft_once_per_thread"
            ),
            models.UniqueConstraint(
                fields=["user", "board"], condition=Q(board__isnull=False), name="draft_once_per_board"
            ),
            models.CheckConstraint(
                condition=Q(thread__isnull=False, board__isnull=True) | Q(thread__isnull=True, board__isnull=False),
                name="draft_for_a_thread_or_a_board",
            ),
        ]
        indexes = [models.Index(fields=["updated_at"], name="draft_updated")]


class PostVersion(models.Model):
    """A post's text as it was before one edit (forum/writing/history.py): the text that edit replaced, and who
    made the edit and when. The first version was written by the post's author at `Post.created_at`;
    each later one by the editor of the row before it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    body = models.TextField(_("body"))
    html = models.TextField(editable=False)
    title = models.CharField(_("title"), max_length=120, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    edited_at = models.DateTimeField(default=timezone.now)
    # Hidden by its author or a moderator (forum.writing.history.hide_version): its text is then read only by
    # the author and site-wide moderators (forum.permissions.may_read_hidden_version).
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("post version")
        verbose_name_plural = _("post versions")
        ordering = ["post", "edited_at", "id"]
        indexes = [models.Index(fields=["post", "edited_at"], name="postversion_post")]
