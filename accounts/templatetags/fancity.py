from django import template

from accounts.models import City

register = template.Library()


@register.inclusion_tag("accounts/_city_datalist.html")
def city_datalist():
    return {"cities": City.objects.all()}


@register.filter
def fan_name(user) -> str:
    """A user's public name; "deleted user" once the account is gone."""
    return user.public_name if user is not None else ""
