"""Mail texts event staff edit in the admin (`MailTemplate`), per kind of mail and language.

A staff template is Django template text run in a sandbox:

- its context holds plain strings only (`context_for`: the fan's name, the meetup's title, time,
  place, links, the reason of a change...), never a model, so no attribute or method of the
  database is in reach;
- only the tags in ALLOWED_TAGS may appear (no include, extends, load, url, debug...), checked on
  the template's tokens before it is compiled;
- the mails are plain text (rendered with autoescape off); the admin's preview shows the result
  escaped, as any text in a page.

A template that does not compile or render never loses a mail: the built-in text (the one the site
had before, in the fan's language) is used instead, the error is logged, and the admin's preview
shows it.
"""

import logging

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from meetups.models import MailTemplate, Meetup

logger = logging.getLogger(__name__)
Kind = MailTemplate.Kind

ALLOWED_TAGS = {
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "empty",
    "endfor",
    "firstof",
    "with",
    "endwith",
    "comment",
    "endcomment",
}
ENGINE = Engine(
    builtins=["django.template.defaulttags", "django.template.defaultfilters"],
    libraries={},
    autoescape=False,
    debug=False,
    string_if_invalid="",
)
# What each kind of mail may use, with an example the preview shows.
FIELDS = {
    "name": "小明",
    "title": "深圳见面会",
    "when": "2026-12-19 14:00",
    "venue": "科技园",
    "address": "南山区科技园 1 号",
    "city": "深圳",
    "meetup_url": "https://example.com/meetups/1/",
    "ticket_url": "https://example.com/meetups/1/ticket/",
    "ics_url": "https://example.com/meetups/1/calendar.ics",
}
EXTRA: dict[str, dict[str, str]] = {
    Kind.WAITING: {"position": "3"},
    Kind.CHANGE: {"reason": "场地调整"},
    Kind.CANCEL: {"reason": "场地调整"},
}


def compile_template(source: str):
    """The template, or TemplateSyntaxError (a tag outside ALLOWED_TAGS is one)."""
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = (token.split_contents() or [""])[0]
            if name not in ALLOWED_TAGS:
                raise TemplateSyntaxError(
                    str(_("The tag “%(tag)s” cannot be used in a mail template.")) % {"tag": name}
                )
    return ENGINE.from_string(source)


def _render(template: MailTemplate, context: dict[str, str]) -> tuple[str, str]:
    strings = {key: str(value) for key, value in context.items()}
    subject = " ".join(compile_template(template.subject).render(Context(strings)).split())
    body = compile_template(template.body).render(Context(strings))
    return subject, body


def context_for(meetup: Meetup, fan, **extra) -> dict[str, str]:
    """The strings a mail about `meetup` to `fan` may show (FIELDS and the kind's EXTRA)."""
    with timezone.override(settings.TIME_ZONE):
        when = timezone.localtime(meetup.starts_at).strftime("%Y-%m-%d %H:%M")
    site = settings.SITE_URL
    return {
        "name": fan.public_name if fan else "",
        "title": meetup.title,
        "when": when,
        "venue": meetup.venue,
        "address": meetup.address,
        "city": meetup.city.label if meetup.city_id else "",
        "meetup_url": site + meetup.get_absolute_url(),
        "ticket_url": f"{site}/meetups/{meetup.pk}/ticket/",
        "ics_url": f"{site}/meetups/{meetup.pk}/calendar.ics",
        **{key: str(value) for key, value in extra.items()},
    }


def staff_mail(kind: str, context: dict[str, str], language: str | None = None) -> tuple[str, str] | None:
    """(subject, text) from the staff's template of `kind` in `language` (the active one by
    default), or None: no such template, or it failed (logged), so the caller uses the built-in text."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    template = MailTemplate.objects.filter(kind=kind, language=language).first()
    if template is None:
        return None
    try:
        return _render(template, context)
    except Exception:  # noqa: BLE001 - a broken staff template must never cost a mail
        logger.exception("Mail template %s/%s failed; the built-in text was sent", kind, language)
        return None


def staff_text(kind: str, context: dict[str, str]) -> str | None:
    """The text alone (notifications: promotion, change, cancel), in the active language."""
    found = staff_mail(kind, context)
    return found[1].strip() if found else None


def preview(template: MailTemplate) -> tuple[str, str, str]:
    """(subject, text, error) of `template` with the example values, for the admin."""
    try:
        subject, body = _render(template, {**FIELDS, **EXTRA.get(template.kind, {})})
    except Exception as error:  # noqa: BLE001 - shown to the staff member, whatever it is
        return "", "", f"{type(error).__name__}: {error}"
    return subject, body, ""
