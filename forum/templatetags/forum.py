from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.roles import CORE_TESTERS, EVENT_STAFF, MODERATORS, SERVICE_DESK
from fancity.lib import memo
from forum import hooks
from forum.writing import markup

register = template.Library()


@register.filter
def plain_excerpt(html: str, length: int = 300) -> str:
    """A post's rendered HTML as one line of plain text (forum.writing.markup.plain_excerpt)."""
    return markup.plain_excerpt(html, length)


@register.filter
def role_badge(user) -> str:
    """Staff (a superuser, event staff or the service desk: never `is_staff` alone, which only opens the
    admin), moderator or core tester; the thread page fetches the group names as `forum_roles`."""
    if user is None:
        return ""
    names = getattr(user, "forum_roles", None)
    if names is None:
        names = {g.name for g in user.groups.all()}
    if user.is_superuser or EVENT_STAFF in names or SERVICE_DESK in names:
        return _("Staff")
    if MODERATORS in names:
        return _("Moderator")
    if CORE_TESTERS in names:
        return _("Core tester")
    return ""


@register.filter
def floor_label(floor: int) -> str:
    """楼主 / 2楼 / 3楼 in Chinese, OP / #2 / #3 in English."""
    if floor == 1:
        return pgettext("floor 1", "OP")
    return pgettext("floor label", "#%(floor)s") % {"floor": floor}


@register.simple_tag(takes_context=True)
def thread_panels(context, thread) -> SafeString:
    """What other apps show on a thread page (settings.FORUM_THREAD_PANELS), each in the page's own context."""
    parts = []
    for template_name, extra in hooks.thread_panels(context["request"], thread):
        template = context.template.engine.get_template(template_name)
        with context.push(extra):
            parts.append(template.render(context))
    return mark_safe("".join(parts))


@register.simple_tag
def pagination(pages, query: str = "", where: str = "") -> SafeString:
    """forum/_pagination.html for `pages` (a frozen forum.reading.queries.Pages): the same links for every
    reader of that page, so they come from the HTML memo (fancity.lib.memo), keyed on what they show.
    `where`: "top" or "bottom" on a page that shows the links twice, so each has its own label."""
    return mark_safe(
        memo.render_template(
            "forum/_pagination.html", {"pages": pages, "query": query, "where": where}, (pages, query, where)
        )
    )


@register.simple_tag
def blank_form(form) -> SafeString:
    """forum/_form.html for `form`. A blank form (not bound, no initial values) reads the same for every
    reader in a language, so it comes from the HTML memo (Django's widget templates are slow to render),
    keyed on its class, fields and prefix. Any other form is rendered afresh."""
    if form.is_bound or form.initial:
        return render_to_string("forum/_form.html", {"form": form})
    shown = (type(form).__module__, type(form).__qualname__, tuple(form.fields), form.prefix)
    return mark_safe(memo.render_template("forum/_form.html", {"form": form}, shown))
