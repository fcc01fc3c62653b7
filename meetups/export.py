"""The meetups part of a fan's personal data export (settings.PERSONAL_DATA_EXPORTS)."""

from accounts.models import User
from meetups.models import Meetup, Registration


def meetups_data(user: User) -> dict:
    def iso(moment):
        return moment.isoformat() if moment else None

    return {
        "meetups": {
            "registrations": [
                {
                    "meetup": r.meetup_id,
                    "title": r.meetup.title,
                    "starts_at": iso(r.meetup.starts_at),
                    "state": r.state,
                    "answer": r.answer,
                    "registered_at": iso(r.created_at),
                    "confirmed_at": iso(r.confirmed_at),
                    "cancelled_at": iso(r.cancelled_at),
                    "checked_in_at": iso(r.checked_in_at),
                    "draw_weight": r.draw_weight,
                }
                for r in Registration.objects.filter(fan=user).select_related("meetup").order_by("pk")
            ],
            "proposals": [
                {
                    "meetup": m.pk,
                    "title": m.title,
                    "starts_at": iso(m.starts_at),
                    "venue": m.venue,
                    "address": m.address,
                    "agenda": m.agenda,
                    "approval": m.approval,
                    "status": m.status,
                }
                for m in Meetup.objects.filter(proposed_by=user).order_by("pk")
            ],
        }
    }
