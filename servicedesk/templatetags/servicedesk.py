import datetime

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration_label(value: datetime.timedelta | None) -> str:
    """ "4 min", "2 h 5 min", "3 days": short enough for a phone."""
    if value is None:
        return "–"
    seconds = max(0, int(value.total_seconds()))
    if seconds >= 2 * 86400:
        days = seconds // 86400
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    hours, minutes = divmod(seconds // 60, 60)
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min") % {"m": minutes}
    return _("%(s)d s") % {"s": seconds}


@register.filter
def minutes_label(value: float | None) -> str:
    if value is None:
        return "–"
    return duration_label(datetime.timedelta(minutes=value))


@register.filter
def percent(value: float) -> str:
    return f"{100 * value:.0f}%"
