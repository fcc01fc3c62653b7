"""Capacity changes go through meetups.capacity.change_capacity: the waiting list cannot be jumped."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Notification
from meetups.capacity import change_capacity
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.helpers import race
from tests.meetups.factories import MeetupFactory, event_staff, make_fans

State = Registration.State


def _full_with_waiting(capacity=30, waiting=5, prefix="cap"):
    meetup = MeetupFactory(capacity=capacity)
    fans = make_fans(capacity + waiting, prefix=prefix)
    for fan in fans:
        register_for_meetup(fan, meetup)
    return meetup, fans


def _states(meetup):
    return dict(Registration.objects.filter(meetup=meetup).values_list("fan__username", "state"))


@pytest.mark.django_db
def test_raising_capacity_promotes_waiting_fans_in_order_and_tells_them():
    meetup, fans = _full_with_waiting(capacity=30, waiting=5)
    promoted = change_capacity(event_staff(), meetup, 32)
    assert [r.fan.username for r in promoted] == ["cap30", "cap31"]
    states = _states(meetup)
    assert states["cap30"] == states["cap31"] == State.CONFIRMED
    assert states["cap32"] == State.WAITING
    assert Meetup.objects.get(pk=meetup.pk).capacity == 32
    told = set(Notification.objects.filter(group=f"meetup:{meetup.pk}").values_list("recipient__username", flat=True))
    assert told == {"cap30", "cap31"}


@pytest.mark.django_db
def test_a_newcomer_after_a_raise_waits_behind_the_waiting_list():
    meetup, fans = _full_with_waiting(capacity=30, waiting=3)
    change_capacity(event_staff(), meetup, 35)  # 3 promoted, 2 seats free
    newcomer = register_for_meetup(UserFactory(), meetup)
    assert newcomer.state == State.CONFIRMED  # nobody waits any more: the free seat is theirs
    assert all(state == State.CONFIRMED for state in _states(meetup).values())


@pytest.mark.django_db
def test_lowering_below_the_confirmed_count_is_refused():
    meetup, _ = _full_with_waiting(capacity=30, waiting=1)
    with pytest.raises(RegistrationError, match="Capacity cannot be below the 30 fans already confirmed"):
        change_capacity(event_staff(), meetup, 29, override=True)
    assert Meetup.objects.get(pk=meetup.pk).capacity == 30


@pytest.mark.django_db
def test_a_capacity_outside_the_range_needs_the_override_and_staff():
    meetup = MeetupFactory(capacity=40)
    with pytest.raises(RegistrationError, match="between 30 and 50"):
        change_capacity(event_staff(), meetup, 60)
    with pytest.raises(PermissionDenied):
        change_capacity(UserFactory(), meetup, 45)
    change_capacity(event_staff(), meetup, 60, override=True)
    assert Meetup.objects.get(pk=meetup.pk).capacity == 60


@pytest.mark.django_db
def test_the_sql_function_puts_a_newcomer_behind_waiting_fans_even_with_a_free_seat():
    """Free seats with fans waiting cannot happen through the functions; the SQL refuses to use them anyway."""
    meetup, _ = _full_with_waiting(capacity=30, waiting=2)
    Meetup.objects.filter(pk=meetup.pk).update(capacity=40)  # as a write that skipped change_capacity would
    meetup.refresh_from_db()
    assert register_for_meetup(UserFactory(), meetup).state == State.WAITING


@pytest.mark.django_db
def test_admin_change_form_raises_capacity_through_change_capacity(client):
    meetup, _ = _full_with_waiting(capacity=30, waiting=2)
    client.force_login(event_staff(language="en"))
    url = reverse("admin:meetups_meetup_change", args=[meetup.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = _form_data(page, meetup)
    data["capacity"] = 31
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "1 fans were promoted from the waiting list." in response.content.decode()
    assert _states(meetup)["cap30"] == State.CONFIRMED and _states(meetup)["cap31"] == State.WAITING


@pytest.mark.django_db
def test_admin_change_form_refuses_a_capacity_below_the_confirmed(client):
    meetup, _ = _full_with_waiting(capacity=30, waiting=0)
    client.force_login(event_staff(language="en"))
    url = reverse("admin:meetups_meetup_change", args=[meetup.pk])
    data = _form_data(client.get(url), meetup)
    data.update(capacity=10, capacity_override="on")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Capacity cannot be below the 30 fans already confirmed." in response.content.decode()
    assert Meetup.objects.get(pk=meetup.pk).capacity == 30


def _form_data(page, meetup) -> dict:
    """What the browser would post back: the form's values and every inline's management form."""
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is None:
            continue
        if hasattr(value, "strftime") and hasattr(value, "hour"):
            local = form[name].value()
            data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = getattr(value, "pk", value)
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, 0)
        for i, inline_form in enumerate(inline.formset.forms):
            if inline_form.instance.pk:
                data[f"{inline.formset.prefix}-{i}-id"] = inline_form.instance.pk
                data[f"{inline.formset.prefix}-{i}-meetup"] = meetup.pk
    return data


@pytest.mark.django_db(transaction=True)
def test_a_raise_racing_newcomers_confirms_waiting_fan_1_first_and_never_overbooks():
    meetup, fans = _full_with_waiting(capacity=30, waiting=5, prefix="early")
    staff = event_staff()
    newcomers = make_fans(20, prefix="new")
    calls = [lambda: change_capacity(staff, meetup, 33)]
    calls += [lambda f=f: register_for_meetup(f, meetup) for f in newcomers]
    results = race(*calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    states = _states(meetup)
    confirmed = [name for name, state in states.items() if state == State.CONFIRMED]
    assert len(confirmed) == 33  # no overbooking
    # The three new seats went to the first three waiting fans, never to a newcomer.
    assert {"early30", "early31", "early32"} <= set(confirmed)
    assert not [name for name in confirmed if name.startswith("new")]
    # The rest wait in arrival order: early33, early34, then the newcomers.
    waiting = list(
        Registration.objects.filter(meetup=meetup, state=State.WAITING)
        .order_by("order")
        .values_list("fan__username", flat=True)
    )
    assert waiting[:2] == ["early33", "early34"] and len(waiting) == 22
