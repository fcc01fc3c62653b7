"""A proposal sent twice at once (a double click, a resent form) is made once."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from meetups.models import Meetup
from meetups.proposals import propose_meetup
from tests.factories import UserFactory
from tests.helpers import race

pytestmark = pytest.mark.django_db(transaction=True)


def _fields():
    starts_at = (timezone.now() + datetime.timedelta(days=20)).replace(second=0, microsecond=0)
    return {"title": "茶馆聚会", "starts_at": starts_at, "venue": "茶馆", "address": "锦江区 1 号", "capacity": 30}


def test_the_same_proposal_sent_twice_at_once_is_made_once():
    proposer = UserFactory()
    fields = _fields()
    results = race(*[lambda: propose_meetup(proposer, **fields)] * 2)
    assert all(isinstance(r, Meetup) for r in results) and results[0].pk == results[1].pk
    assert Meetup.objects.filter(proposed_by=proposer).count() == 1


def test_a_double_clicked_proposal_form_answers_both_clicks_with_the_one_proposal():
    proposer = UserFactory()
    fields = _fields()
    data = {**fields, "starts_at": timezone.localtime(fields["starts_at"]).strftime("%Y-%m-%dT%H:%M")}
    clients = []
    for _ in range(2):
        c = Client()
        c.force_login(proposer)
        clients.append(c)
    responses = race(*[(lambda c=c: c.post("/meetups/propose/", data)) for c in clients])
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert Meetup.objects.filter(proposed_by=proposer).count() == 1


def test_two_different_proposals_are_two():
    proposer = UserFactory()
    fields = _fields()
    propose_meetup(proposer, **fields)
    propose_meetup(proposer, **{**fields, "title": "另一个聚会"})
    assert Meetup.objects.filter(proposed_by=proposer).count() == 2
