import datetime

from django import template
from django.conf import settings
from django.utils import timezone

from accounts.models import City
from fancity.lib import when
from fancity.lib.params import page_param

register = template.Library()


@register.inclusion_tag("accounts/_city_datalist.html")
def city_datalist():
    return {"cities": City.objects.all()}


@register.filter
def ago(moment) -> str:
    """ "刚刚" / "just now", "5 分钟前", "昨天 22:09": never "0 分钟" (fancity.lib.when.ago)."""
    return when.ago(moment) if moment else ""


@register.filter
def iso(moment) -> str:
    """A `<time datetime>` value: ISO 8601 to the second (fancity.lib.when.iso; Django's `date:"c"`
    adds microseconds, which HTML's date-time syntax does not take)."""
    if not moment:
        return ""
    if isinstance(moment, datetime.datetime) and timezone.is_aware(moment):
        return when.iso(moment)
    return moment.replace(microsecond=0).isoformat() if isinstance(moment, datetime.datetime) else moment.isoformat()


@register.filter
def exact(moment) -> str:
    """ "2026-12-06 09:32", the title of a time shown in words (fancity.lib.when.exact)."""
    return when.exact(moment) if moment else ""


@register.filter
def absolute(path: str) -> str:
    """`path` on `SITE_URL` (a link shared outside the site, a canonical URL); absolute URLs pass."""
    return path if "//" in path else settings.SITE_URL + path


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's address on `SITE_URL`: the path, and the page number where there is one (other
    query parameters are views of the same page)."""
    request = context.get("request")
    if request is None:
        return settings.SITE_URL + "/"
    page = page_param(request.GET.get("page"))
    suffix = f"?page={page}" if page > 1 else ""
    return settings.SITE_URL + request.path + suffix
