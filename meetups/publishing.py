"""Publishing a meetup: announce it in the forum and tell the city's fans."""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from forum.boards import announcements_board, city_board
from forum.models import Post
from forum.writing.limits import MAX_TITLE
from forum.writing.posting import edit_post, start_thread
from meetups.draw import commit_to_seed
from meetups.locking import RegistrationError, lock_meetup, require_event_staff
from meetups.models import Meetup
from meetups.permissions import may_update_announcements
from meetups.registration import opening_words
from outbox.queueing import enqueue

# Fans told per task (meetups.tasks.notify_fans_batch): one short chunk, redone alone if its worker dies.
NOTIFY_BATCH = 200


def _missing_details(meetup: Meetup) -> list[str]:
    names = {
        "venue": meetup.venue,
        "address": meetup.address,
        "registration_opens_at": meetup.registration_opens_at,
        "registration_closes_at": meetup.registration_closes_at,
    }
    missing = []
    for name, value in names.items():
        if not value:
            field = Meetup._meta.get_field(name)
            assert isinstance(field, models.Field)
            missing.append(str(field.verbose_name))
    return missing


def publish_meetup(staff: User, meetup: Meetup) -> Meetup:
    """Open the meetup to fans, post its announcement threads and notify the city's fans."""
    require_event_staff(staff)
    with transaction.atomic():
        meetup = lock_meetup(meetup.pk)
        if meetup.status != Meetup.Status.DRAFT:
            raise RegistrationError(_("Only a draft can be published."))
        if meetup.kind == Meetup.Kind.FAN and meetup.approval != Meetup.Approval.APPROVED:
            raise RegistrationError(_("A fan's proposal must be approved before it is published."))
        if meetup.is_past:
            raise RegistrationError(_("This meetup's date has passed."))
        missing = _missing_details(meetup)
        if missing:
            raise RegistrationError(
                _("Fill in these fields before publishing: %(fields)s.") % {"fields": ", ".join(missing)}
            )
        try:
            meetup.full_clean()
        except ValidationError as exc:
            raise RegistrationError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        meetup.status = Meetup.Status.PUBLISHED
        meetup.published_at = timezone.now()
        commit_to_seed(meetup)
        meetup.save(update_fields=["status", "published_at", "draw_seed", "draw_commitment"])
    post_announcements(meetup.pk, staff.pk)
    enqueue("meetups.tasks.announce_meetup", meetup.pk)
    return meetup


# Characters that make Markdown do something (links, images, autolinks, raw HTML, emphasis, code,
# headings, tables, mentions): in a fan's words each becomes a character reference, which every
# CommonMark renderer and Python-Markdown show as the character itself and never parse.
_MARKDOWN_ACTIVE = re.compile(r"[\\`*_\[\]<>&#!|~:.@]")
# The fan's words in the announcement, as references; the rest is on the meetup's page. Four times
# the longest agenda, so ordinary text never reaches it, and far below the forum's longest post.
FAN_WORDS_BUDGET = 16_000


def _inert(text: str) -> str:
    # An address (a@b.example) is linked after references are read back: a word joiner, which shows
    # as nothing, keeps the "@" from being followed by a domain.
    return _MARKDOWN_ACTIVE.sub(lambda m: f"&#{ord(m.group())};", text).replace("&#64;", "&#64;\u2060")


def fan_words(meetup: Meetup) -> str:
    """What the proposing fan wrote (venue, address, agenda) as a Markdown quote that renders as text.

    The announcement is posted by event staff, so the fan's words are quoted and attributed, and
    nothing in them can become a link, an image or formatting that reads as staff's.
    """
    where = _inert(" ".join(f"{meetup.venue}, {meetup.address}".split()))
    agenda = _inert(meetup.agenda.replace("\r\n", "\n").replace("\r", "\n").strip())
    if len(agenda) > FAN_WORDS_BUDGET:
        cut = agenda.rfind("&", 0, FAN_WORDS_BUDGET)
        if agenda.find(";", cut, FAN_WORDS_BUDGET) != -1:  # the reference ends before the budget
            cut = FAN_WORDS_BUDGET
        agenda = agenda[:cut] + "…"
    lines = [f"{_('Where')}: {where}", "", *agenda.split("\n")]
    return "\n".join(f"> {line.rstrip()}".rstrip() for line in lines)


def announcement_text(meetup: Meetup) -> tuple[str, str]:
    """Title and Markdown body of the announcement, in the site's language (the forum's readers)."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        context = {"meetup": meetup, "url": settings.SITE_URL + meetup.get_absolute_url()}
        if meetup.kind == Meetup.Kind.FAN:
            context["fan_words"] = fan_words(meetup)
            context["proposer"] = meetup.proposed_by.username if meetup.proposed_by else None
        # Plain text (the template does not escape it; pages escape a title when they show it), cut to
        # what a thread title holds: a 120-character title with <>&"' once grew past it and could
        # never be approved.
        title = Truncator(render_to_string("meetups/announcement_title.txt", context).strip()).chars(MAX_TITLE)
        body = render_to_string("meetups/announcement.txt", context).strip()
    return title, body


def _when(meetup: Meetup) -> str:
    return timezone.localtime(meetup.starts_at).strftime("%Y-%m-%d %H:%M")


def first_post_text(meetup: Meetup) -> tuple[str, str]:
    """Title and first post of the announcement threads as they should read now, in the site's language.

    After a cancel or reschedule (meetups.changes) a line on top says so, with staff's reason.
    """
    title, body = announcement_text(meetup)
    if not (meetup.sequence and meetup.change_reason):
        return title, body
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        if meetup.status == Meetup.Status.CANCELLED:
            banner = str(_("**Cancelled.** %(reason)s")) % {"reason": meetup.change_reason}
        else:
            banner = str(_("**New time: %(when)s.** %(reason)s")) % {
                "when": _when(meetup),
                "reason": meetup.change_reason,
            }
    return title, f"{banner}\n\n{body}"


# What the announcement shows: an admin edit of any of these re-renders its first post.
ANNOUNCED_FIELDS = frozenset(
    {
        "title",
        "starts_at",
        "ends_at",
        "venue",
        "address",
        "agenda",
        "capacity",
        "mode",
        "registration_opens_at",
        "registration_closes_at",
    }
)


def refresh_announcements(staff: User, meetup: Meetup) -> int:
    """Re-render the first post (and title) of the meetup's announcement threads from the meetup as
    it is now; returns how many posts changed. A post already up to date is left alone (no "edited").
    """
    if not may_update_announcements(staff, meetup):
        raise PermissionDenied
    meetup = Meetup.objects.select_related("city", "proposed_by").get(pk=meetup.pk)
    thread_ids = [t for t in (meetup.announcement_thread_id, meetup.city_thread_id) if t]
    if not thread_ids:
        return 0
    title, body = first_post_text(meetup)
    changed = 0
    for first in Post.objects.filter(thread_id__in=thread_ids, floor=1).select_related("thread"):
        if first.body == body and first.thread.title == title:
            continue
        edit_post(staff, first, body, title=title, checked=True)  # checked above
        changed += 1
    return changed


def post_announcements(meetup_id: int, staff_id: int) -> None:
    """Post the missing announcement threads (official: announcements and city board; fan-organised:
    city board). Idempotent: a thread already posted is not posted again.
    """
    staff = User.objects.get(pk=staff_id)
    meetup = Meetup.objects.select_related("city").get(pk=meetup_id)
    if meetup.status not in (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED):
        return
    title, body = announcement_text(meetup)
    targets = [("city_thread_id", lambda: city_board(meetup.city))]
    if meetup.kind == Meetup.Kind.OFFICIAL:
        targets.insert(0, ("announcement_thread_id", announcements_board))
    for field, board in targets:
        with transaction.atomic():
            locked = lock_meetup(meetup_id)
            if getattr(locked, field):
                continue
            thread = start_thread(staff, board(), title, body)
            setattr(locked, field, thread.pk)
            if field == "announcement_thread_id" or not locked.announcement_url:
                locked.announcement_url = thread.get_absolute_url()
            locked.save(update_fields=[field, "announcement_url"])


def announcement_notice(meetup: Meetup) -> str:
    """What the city's fans are told of a new meetup, in the active language: that registration is
    open, or the day and time it opens (a meetup is often published a week before)."""
    opening = opening_words(meetup)
    if opening is None:
        return gettext("New meetup in your city: “%(title)s”. Registration is open.") % {"title": meetup.title}
    return gettext("New meetup in your city: “%(title)s”. Registration opens on %(day)s at %(time)s.") % {
        "title": meetup.title,
        **opening,
    }


def city_fan_ids(meetup: Meetup) -> list[int]:
    return list(
        User.objects.fans().filter(city_id=meetup.city_id, is_active=True).order_by("pk").values_list("pk", flat=True)
    )
