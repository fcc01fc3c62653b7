"""The service desk's part of a fan's personal data: exported (settings.PERSONAL_DATA_EXPORTS) and
erased when the account is deleted (settings.PERSONAL_DATA_ERASERS).

Per fan the desk stores one thing of its own: the fan's home city at the time of each feedback
thread (Ticket.city, for the per-city figures). The thread itself is the forum's.
"""

from accounts.models import User
from servicedesk.models import Ticket


def servicedesk_data(user: User) -> dict:
    return {
        "servicedesk": {
            "tickets": [
                {"thread": t.thread_id, "city": str(t.city) if t.city else None, "posted_at": t.created_at.isoformat()}
                for t in Ticket.objects.filter(thread__author=user).select_related("city").order_by("pk")
            ]
        }
    }


def erase_servicedesk_data(user: User) -> None:
    """The tickets stay (staff still answer the thread) without the fan's city: it leaves the
    per-city figures, as it left the profile."""
    Ticket.objects.filter(thread__author=user, city__isnull=False).update(city=None)
