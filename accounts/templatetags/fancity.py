from django import template

from accounts.models import City
from fancity.lib import when

register = template.Library()


@register.inclusion_tag("accounts/_city_datalist.html")
def city_datalist():
    return {"cities": City.objects.all()}


@register.filter
def ago(moment) -> str:
    """ "刚刚" / "just now", "5 分钟前", "昨天 22:09": never "0 分钟" (fancity.lib.when.ago)."""
    return when.ago(moment) if moment else ""
