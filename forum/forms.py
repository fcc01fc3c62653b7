import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from community.devices import device_names
from fancity.lib.choices import set_choices
from fancity.lib.params import MAX_ID
from forum.models import Board, FeedbackKind, FeedbackStatus, Post, Thread
from forum.permissions import can_see, may_see_beta
from forum.reading import queries, search
from forum.visibility import thread_shown_q
from forum.writing import markup
from forum.writing.limits import MAX_BODY, MAX_TITLE

BODY_HELP = _(
    "Markdown: **bold**, *italic*, ~~struck out~~, [link](https://…) or just https://…, ![image](https://…), "
    "> quote, `code`, | tables |. Mention someone with @username."
)


TOO_LONG = _(
    "A post can have at most %(limit_value)d characters; this one has %(show_value)d. "
    "Shorten it or split it into two posts."
)


class BodyField(forms.CharField):
    """A post's Markdown: at most MAX_BODY characters (also for previews), with a message that says so."""

    def __init__(self, **kwargs):
        super().__init__(
            label=_("Text"),
            max_length=MAX_BODY,
            help_text=BODY_HELP,
            widget=forms.Textarea(attrs={"rows": 8}),
            **kwargs,
        )
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        self.validators.append(MaxLengthValidator(MAX_BODY, message=TOO_LONG))

    def to_python(self, value):
        # Browsers send a textarea's line breaks as CRLF but count them as one character against
        # its maxlength: count them as the fan does.
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one input (the phone's gallery or camera); forum.attachments checks them."""

    def __init__(self, accept: str, **kwargs):
        attrs = {
            "accept": accept,
            "multiple": True,
            "data-max-bytes": settings.UPLOAD_MAX_FILE_SIZE,
            "data-too-big": _("larger than 10 MB, so it cannot be attached"),
        }
        super().__init__(required=False, widget=MultipleFileInput(attrs=attrs), **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


def images_field() -> FilesField:
    return FilesField(
        "image/*",
        label=_("Images"),
        help_text=_(
            "Screenshots and photos (JPEG, PNG, WebP, GIF, HEIC): up to 9, 10 MB each. Their location data is removed."
        ),
    )


def logs_field() -> FilesField:
    return FilesField(
        ".zip,.txt,.log,application/zip,text/plain",
        label=_("Logs"),
        help_text=_(".zip, .txt or .log: up to 3, 10 MB each. Only you and the service desk can see them."),
    )


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = BodyField()
    images = images_field()


class FeedbackThreadForm(ThreadForm):
    feedback_kind = forms.ChoiceField(label=_("Kind"), choices=FeedbackKind.choices, initial=FeedbackKind.BUG)
    device_model = forms.CharField(label=_("Device model (optional)"), max_length=80, required=False)
    software_version = forms.CharField(label=_("Software version (optional)"), max_length=80, required=False)
    logs = logs_field()
    field_order = ["feedback_kind", "title", "device_model", "software_version", "body"]


class ReplyForm(forms.Form):
    body = BodyField()
    images = images_field()
    logs = logs_field()  # feedback threads only (the view drops it elsewhere)
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput)
    official = forms.BooleanField(label=_("Mark as the official answer"), required=False)


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE, required=False)
    body = BodyField()
    remove = forms.TypedMultipleChoiceField(
        label=_("Remove attachments"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    images = images_field()
    logs = logs_field()  # feedback threads only (the view drops it elsewhere)

    def __init__(self, *args, attachments=(), **kwargs):
        """`attachments`: the post's (id, file name) pairs, offered for removal."""
        super().__init__(*args, **kwargs)
        if attachments:
            set_choices(self, "remove", attachments)
        else:
            del self.fields["remove"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FeedbackStatus.choices)
    note = forms.CharField(label=_("Note (shown in the thread)"), max_length=500, required=False)
    duplicate_of = forms.IntegerField(label=_("Duplicate of thread number"), required=False, min_value=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


BAN_CHOICES = [("1", _("1 day")), ("7", _("7 days")), ("30", _("30 days")), ("forever", _("For good"))]


class BanForm(ReasonForm):
    """`durations`: the ban lengths this moderator may give (forum.permissions.ban_durations); only those
    are offered. Any of them validates here: forum.moderation.moderate.ban_refusal says why one is refused."""

    duration = forms.ChoiceField(label=_("Duration"), choices=BAN_CHOICES, initial="7")

    def __init__(self, *args, durations=(1, 7, 30), **kwargs):
        super().__init__(*args, **kwargs)
        offered = {"forever" if days is None else str(days) for days in durations}
        self.fields["duration"].widget.choices = [c for c in BAN_CHOICES if c[0] in offered]

    def days(self) -> int | None:
        duration = self.cleaned_data["duration"]
        return None if duration == "forever" else int(duration)


class MoveForm(forms.Form):
    """`boards`: every board the moderator can see (so that any of them is understood, and a refused
    one gets forum.moderation.moderate's reason); `offered`: the ones forum.permissions.move_destinations
    allows, the only ones listed."""

    board: "forms.ModelChoiceField[Board]" = forms.ModelChoiceField(label=_("Move to board"), queryset=None)
    reason = forms.CharField(label=_("Reason (the author sees it)"), max_length=500, required=False)

    def __init__(self, *args, boards=None, offered=None, **kwargs):
        super().__init__(*args, **kwargs)
        board = self.fields["board"]
        assert isinstance(board, forms.ModelChoiceField)
        board.queryset = boards
        if offered is not None:
            board.widget.choices = [(b.pk, b.label) for b in offered]


NO_SUCH_THREAD = _("There is no such thread.")


class SearchForm(forms.Form):
    """The search page's words, filters, order and page (GET). Every value a link or a hostile probe can
    send is checked here, so that a bad one is a form error in the reader's language, never a 500 nor a
    query the database cannot answer quickly (dates are bounded, ids and pages are small numbers)."""

    FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)

    q = forms.CharField(label=_("Words"), max_length=100, required=False)
    board = forms.CharField(label=_("Board"), max_length=60, required=False)
    author = forms.CharField(label=_("Author (username)"), max_length=150, required=False)
    device = forms.CharField(label=_("Reporter's device"), max_length=60, required=False)
    since = forms.DateField(label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[(search.RELEVANCE, _("Best match")), (search.NEWEST, _("Newest"))],
        required=False,
    )
    thread = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.HiddenInput,
        error_messages={name: NO_SUCH_THREAD for name in ("invalid", "min_value", "max_value")},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=search.MAX_PAGES,
        error_messages={
            "max_value": _("Search shows at most %(limit_value)s pages. Add words or filters to find more."),
        },
    )

    def __init__(self, data, user):
        super().__init__(data)
        self.user = user

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean_board(self):
        slug = self.cleaned_data["board"]
        if not slug:
            return None
        board = queries.board_for_page(slug)
        if board is None or not can_see(self.user, board):
            raise forms.ValidationError(_("There is no such board."))
        return board

    def clean_device(self):
        name = self.cleaned_data["device"]
        if name and name not in device_names():
            raise forms.ValidationError(_("Choose a device from the list."))
        return name

    def clean_author(self):
        name = self.cleaned_data["author"].strip().removeprefix("@")
        if not name:
            return None
        author = User.objects.fans().filter(username__iexact=name).only("pk", "username").first()
        if author is None:
            raise forms.ValidationError(_("No fan has the username “%(name)s”."), params={"name": name})
        return author

    def _day(self, name: str):
        day = self.cleaned_data[name]
        if day is not None and not self.FIRST_DAY <= day <= self.LAST_DAY:
            raise forms.ValidationError(
                _("Enter a date from %(first)s to %(last)s."), params={"first": self.FIRST_DAY, "last": self.LAST_DAY}
            )
        return day

    def clean_since(self):
        return self._day("since")

    def clean_until(self):
        return self._day("until")

    def clean_thread(self):
        pk = self.cleaned_data["thread"]
        if pk is None:
            return None
        thread = Thread.objects.select_related("board").filter(thread_shown_q(), pk=pk).first()
        if thread is None or not can_see(self.user, thread.board):
            raise forms.ValidationError(NO_SUCH_THREAD)
        return thread

    def clean(self):
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date comes before the start date."))
        filters = ("board", "author", "since", "until", "thread", "page")
        if not data.get("q") and not self.errors and any(data.get(name) for name in filters):
            self.add_error("q", _("Enter the words to search for."))
        return data

    def scope(self) -> "search.Scope":
        """The search's scope from the valid form: dates are whole days in the site's time zone."""
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        thread, board, author = data.get("thread"), data.get("board"), data.get("author")
        return search.Scope(
            sees_beta=may_see_beta(self.user),
            board=board.pk if board and not thread else None,
            thread=thread.pk if thread else None,
            author=author.pk if author else None,
            device=data.get("device") or None,
            since=_start_of(since) if since else None,
            before=_start_of(until + datetime.timedelta(days=1)) if until else None,
        )

    def query_string(self) -> str:
        """The valid search as a query string without its page and thread (for page links)."""
        data = self.cleaned_data
        values = {
            "q": data.get("q"),
            "board": data["board"].slug if data.get("board") else "",
            "author": data["author"].username if data.get("author") else "",
            "device": data.get("device") or "",
            "since": data.get("since") or "",
            "until": data.get("until") or "",
            "sort": data.get("sort") or "",
        }
        return urlencode({name: value for name, value in values.items() if value})


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def quote_initial(quote: Post | None) -> dict:
    """The reply form's start when a fan follows a post's Quote link without JavaScript: the post's
    rendered text as a Markdown quote with its author and a link to its floor (static/js/quote.js
    does the same with the fan's selection)."""
    if quote is None or not quote.is_visible:
        return {}
    text = markup.plain_text(quote.html)
    return {
        "quote": quote.pk,
        "body": markup.quote_markdown(quote.author.public_name, quote.floor, quote.get_absolute_url(), text),
    }
