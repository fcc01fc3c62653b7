"""Moments in words a fan reads at a glance: "刚刚", "5 分钟前", "明天 22:09".

A bare count of minutes reads wrong once it is large ("1435 分钟后" looks like the past, "0 分钟" like
nothing): counts are used only while they are short, and a time of day with "today", "tomorrow" or a
date after that. Times are in the site's time zone.
"""

import datetime
import functools

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _


def _clock(moment: datetime.datetime) -> str:
    return date_format(moment, "H:i")


def _day(moment: datetime.datetime, today: datetime.date) -> str:
    """ "3月5日" / "March 5", with the year when it is not this year."""
    if moment.year != today.year:
        return date_format(moment, "Y-m-d")
    # Django's Chinese MONTH_DAY_FORMAT pads the month ("03月5日"), so the format is translated here.
    return date_format(moment, pgettext("month and day, a PHP-style date format", "F j"))


def clock() -> datetime.datetime:
    """The clock that words are measured from (tests move it)."""
    return timezone.now()


def iso(moment: datetime.datetime) -> str:
    """`moment` for a `<time datetime>`: ISO 8601 in the site's zone, to the second (no microseconds,
    which the HTML standard's valid date strings do not have)."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def exact(moment: datetime.datetime) -> str:
    """The exact time of day and date, "2026-12-06 09:32": the title of a moment shown in words."""
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def ago(moment: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """How long ago `moment` was: "just now" under a minute, then minutes, hours, "yesterday at 22:09", a date."""
    now = now or clock()
    seconds = int((now - moment).total_seconds())
    if seconds < 60:  # also a moment a little in the future: clocks of two machines differ
        return _("just now")
    if seconds < 3600:
        minutes = seconds // 60
        return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}
    zone = timezone.get_current_timezone()
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    if seconds < 6 * 3600 or local.date() == today:
        hours = seconds // 3600
        return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
    # The wall-clock minute, without its zone: aware datetimes of one instant are equal in any zone.
    return _day_and_time(local.replace(tzinfo=None, second=0, microsecond=0), today, get_language())


@functools.lru_cache(maxsize=4096)
def _day_and_time(local: datetime.datetime, today: datetime.date, language: str | None) -> str:
    """ "yesterday at 22:09" or a date and time (`local`: the site's wall clock): the same words for every
    post of that minute, so they are worked out once; `language` keeps each language's words apart."""
    if local.date() == today - datetime.timedelta(days=1):
        return _("yesterday at %(time)s") % {"time": _clock(local)}
    return _("%(day)s at %(time)s") % {"day": _day(local, today), "time": _clock(local)}


def until(moment: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """When `moment` comes: "in 15 seconds", "in 5 minutes (22:09)", "today at 22:09", "tomorrow at 22:09", a date."""
    now = now or clock()
    seconds = max(1, int((moment - now).total_seconds() + 0.999))
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    if seconds < 120:
        return ngettext("in %(n)d second", "in %(n)d seconds", seconds) % {"n": seconds}
    if seconds < 3600:
        minutes = -(-seconds // 60)
        return ngettext("in %(n)d minute (%(time)s)", "in %(n)d minutes (%(time)s)", minutes) % {
            "n": minutes,
            "time": _clock(local),
        }
    if local.date() == today:
        return _("today at %(time)s") % {"time": _clock(local)}
    if local.date() == today + datetime.timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": _clock(local)}
    return _("on %(day)s at %(time)s") % {"day": _day(local, today), "time": _clock(local)}
