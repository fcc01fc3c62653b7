"""What the desk exports: the fans of a segment as CSV (staff insights), and the service desk's part of a
fan's personal data, exported (settings.PERSONAL_DATA_EXPORTS) and erased when the account is deleted
(settings.PERSONAL_DATA_ERASERS).

Per fan the desk stores: the fan's home city at the time of each ticket (Ticket.city, for the per-city
figures), the history of their tickets (TicketEvent, where the fan reopened one), their private
requests with every message and file in them, their ratings of the answers they got (Rating), and the
replies they sent by mail (InboundMail: the sender's address). Internal notes are staff's, never the fan's:
neither exported nor shown to them.
Feedback threads themselves are the forum's.
"""

import csv
from collections.abc import Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from fancity.lib.names import in_page_language
from servicedesk.attachments import drop_files
from servicedesk.models import (
    InboundMail,
    PrivateRequest,
    Rating,
    SavedView,
    SlaEvent,
    Ticket,
    TicketEvent,
    TicketNote,
)


class _Echo:
    def write(self, value):
        return value


def _safe_cell(value: str) -> str:
    """Fans choose their display names: keep spreadsheet formulas from running (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def segment_csv(fans: QuerySet[User]) -> Iterator[str]:
    """The lines of the segment CSV: headers in the staff member's language (read now, before the
    response streams), each fan's city by its name in that language, dates as YYYY-MM-DD."""
    writer = csv.writer(_Echo())
    header = [_("username"), _("display name"), _("city"), _("joined on"), _("last active on")]
    language = get_language()
    rows = fans.values_list("username", "display_name", "city__name", "city__name_en", "date_joined", "last_active_on")

    def lines():
        yield "\ufeff"  # so that spreadsheet programs read the Chinese names as UTF-8
        yield writer.writerow(header)
        for username, name, city, city_en, joined, active in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    username,
                    _safe_cell(name),
                    in_page_language(city or "", city_en or "", language),
                    timezone.localtime(joined).date().isoformat(),
                    active.isoformat() if active else "",
                ]
            )

    return lines()


def _fans_tickets(user: User):
    return Ticket.objects.filter(Q(thread__author=user) | Q(request__fan=user))


def servicedesk_data(user: User) -> dict:
    tickets = _fans_tickets(user).select_related("city").order_by("pk")
    events = TicketEvent.objects.filter(ticket__in=_fans_tickets(user)).order_by("ticket_id", "at", "pk")
    requests = (
        PrivateRequest.objects.filter(fan=user)
        .prefetch_related("messages__author", "messages__attachments")
        .order_by("pk")
    )
    ratings = Rating.objects.filter(fan=user).order_by("rated_at", "pk")
    mails = InboundMail.objects.filter(ticket__in=_fans_tickets(user)).order_by("received_at", "pk")
    return {
        "servicedesk": {
            "tickets": [
                {
                    "thread": t.thread_id,
                    "private_request": t.request_id,
                    "city": str(t.city) if t.city else None,
                    "posted_at": t.created_at.isoformat(),
                    "state": t.state,
                }
                for t in tickets
            ],
            "ticket_history": [
                {
                    "ticket": e.ticket_id,
                    "what": e.kind,
                    "state": e.to_state,
                    "at": e.at.isoformat(),
                    "by_me": e.actor_id == user.pk,
                }
                for e in events
            ],
            "private_requests": [
                {
                    "subject": r.subject,
                    "opened_at": r.created_at.isoformat(),
                    "messages": [
                        {
                            "from": "me" if m.author_id == user.pk else ("staff" if m.by_staff else "bot"),
                            "at": m.created_at.isoformat(),
                            "text": m.body,
                            "files": [f.name for f in m.attachments.all()],
                        }
                        for m in r.messages.all()
                    ],
                }
                for r in requests
            ],
            "ratings": [
                {
                    "ticket": r.ticket_id,
                    "answer_post": r.post_id,
                    "answer_message": r.message_id,
                    "automatic": r.automatic,
                    "helped": r.helpful,
                    "comment": r.comment,
                    "rated_at": r.rated_at.isoformat(),
                }
                for r in ratings
            ],
            "replies_by_mail": [
                {"ticket": m.ticket_id, "from": m.sender, "received_at": m.received_at.isoformat()} for m in mails
            ],
        }
    }


def erase_servicedesk_data(user: User) -> None:
    """Private requests go with the account (only the fan and staff ever read them). Tickets on public
    threads stay (staff still answer the thread) without the fan's city, which leaves the per-city figures
    as it left the profile, and without the fan's name on their history. The fan's ratings go too."""
    Rating.objects.filter(fan=user).delete()
    Rating.objects.filter(answered_by=user).update(answered_by=None)
    requests = list(PrivateRequest.objects.filter(fan=user).values_list("pk", flat=True))
    drop_files(requests)
    PrivateRequest.objects.filter(pk__in=requests).delete()
    InboundMail.objects.filter(ticket__in=_fans_tickets(user)).delete()
    Ticket.objects.filter(thread__author=user, city__isnull=False).update(city=None)
    TicketEvent.objects.filter(actor=user).update(actor=None)
    # A staff member's own desk data: their saved views go, their name leaves notes and breach rows.
    SavedView.objects.filter(owner=user).delete()
    TicketNote.objects.filter(author=user).update(author=None)
    SlaEvent.objects.filter(agent=user).update(agent=None)
