"""What staff add to a ticket for each other: internal notes, tags, and a few fields (device model,
system version, order number).

Notes are staff-only: they live in their own table, which no fan page, mail or data export reads
(servicedesk.export leaves them out; tests/servicedesk/test_desk_tools.py checks each). Tags are stored
lower-cased and NFKC-normalised, one row per tag, so "Battery" and "battery" are one filter.
"""

import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.writing import markup
from forum.writing.limits import MAX_BODY
from forum.writing.posting import clean_text
from servicedesk.models import Tag, Ticket, TicketNote
from servicedesk.permissions import may_work_tickets

MAX_TAGS = 10
FIELDS = ("device_model", "system_version", "order_number")


def _require(staff: User) -> None:
    if not may_work_tickets(staff):
        raise PermissionDenied


def add_note(staff: User, ticket_id: int, body: str) -> TicketNote:
    """An internal note for the desk; the fan never sees it."""
    _require(staff)
    body = clean_text(body, "body", MAX_BODY)
    ticket = Ticket.objects.only("pk").get(pk=ticket_id)
    return TicketNote.objects.create(
        ticket=ticket, author=staff, body=body, html=markup.render(body), created_at=timezone.now()
    )


def tag_name(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", raw).casefold().split())[:40]


def parse_tags(text: str) -> list[str]:
    """Tags typed as a comma (or 、/，) separated list, normalised, duplicates dropped, order kept."""
    names: list[str] = []
    for part in text.replace("，", ",").replace("、", ",").split(","):
        name = tag_name(part)
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationError(_("At most %(n)d tags on one item.") % {"n": MAX_TAGS})
    return names


def set_tags(staff: User, ticket_id: int, names: list[str]) -> list[Tag]:
    """The ticket's tags become exactly `names` (new tags are created)."""
    _require(staff)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().only("pk").get(pk=ticket_id)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
        missing = [Tag(name=n) for n in names if n not in existing]
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        tags = list(Tag.objects.filter(name__in=names))
        ticket.tags.set(tags)
    return tags


def set_fields(staff: User, ticket_id: int, **values: str) -> None:
    """Device model, system version, order number: typed by staff (blank clears)."""
    _require(staff)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a ticket field: {unknown}")
    limits = {name: getattr(Ticket._meta.get_field(name), "max_length", None) for name in values}
    cleaned = {name: " ".join(value.split())[: limits[name]] for name, value in values.items()}
    Ticket.objects.filter(pk=ticket_id).update(**cleaned)
