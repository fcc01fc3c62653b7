"""The meetups part of a fan's personal data: exported (settings.PERSONAL_DATA_EXPORTS) and erased
when the account is deleted (settings.PERSONAL_DATA_ERASERS)."""

from accounts.models import User
from meetups.models import Meetup, Registration
from meetups.registration import release_places_of_deleted_fan

# Proposals that never became public: only the fan and staff ever saw them.
UNPUBLISHED_PROPOSALS = (Meetup.Approval.PENDING, Meetup.Approval.REJECTED)


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


def erase_meetups_data(user: User) -> None:
    """In the account deletion's transaction: places in upcoming meetups are given up (the waiting
    list moves up), every answer the fan wrote is erased, and proposals that never went public are
    deleted. Past registrations stay as attendance counts of a "deleted user", as posts do; so do
    approved fan meetups, which other fans registered for."""
    release_places_of_deleted_fan(user)
    Registration.objects.filter(fan=user).exclude(answer="").update(answer="")
    Meetup.objects.filter(proposed_by=user, kind=Meetup.Kind.FAN, approval__in=UNPUBLISHED_PROPOSALS).delete()
