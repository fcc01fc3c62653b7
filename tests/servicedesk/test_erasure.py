"""Deleting an account takes the fan's city off their tickets; the tickets stay for staff."""

import pytest

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.models import City
from servicedesk.models import Ticket
from tests.servicedesk.factories import fan, feedback

pytestmark = pytest.mark.django_db


def _ticket(thread, city: City) -> Ticket:
    return Ticket.objects.create(thread=thread, created_at=thread.created_at, city=city)


def test_deletion_erases_the_fans_city_from_their_tickets_only():
    leaving, other = fan(), fan()
    shenzhen = City.objects.get(slug="shenzhen")
    theirs, others = _ticket(feedback(leaving), shenzhen), _ticket(feedback(other), shenzhen)
    assert export_personal_data(leaving)["servicedesk"]["tickets"][0]["city"] == str(shenzhen)

    delete_account(leaving)

    theirs.refresh_from_db()
    others.refresh_from_db()
    assert theirs.city is None and others.city == shenzhen
    assert export_personal_data(leaving)["servicedesk"]["tickets"] == [
        {
            "thread": theirs.thread_id,
            "private_request": None,
            "city": None,
            "posted_at": theirs.created_at.isoformat(),
            "state": "new",
        }
    ]
