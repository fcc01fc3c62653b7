from django import template

from accounts.models import City

register = template.Library()


@register.inclusion_tag("accounts/_city_datalist.html")
def city_datalist():
    return {"cities": City.objects.all()}
