from django import template
from django.utils.translation import gettext as _

from accounts.roles import CORE_TESTERS, MODERATORS

register = template.Library()


@register.filter
def role_badge(user) -> str:
    """Staff, moderator or core tester; the thread page fetches the group names as `forum_roles`."""
    if user is None:
        return ""
    if user.is_staff:
        return _("Staff")
    names = getattr(user, "forum_roles", None)
    if names is None:
        names = {g.name for g in user.groups.all()}
    if MODERATORS in names:
        return _("Moderator")
    if CORE_TESTERS in names:
        return _("Core tester")
    return ""


@register.filter
def unread(thread, read_floors: dict) -> bool:
    return read_floors is not None and thread.post_count > read_floors.get(thread.pk, 0)
