"""A fan's proposal is public only once event staff approve it; the fan's words stay the fan's."""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import EVENT_STAFF
from forum.models import Thread
from forum.writing.markup import render
from meetups import queries
from meetups.models import Meetup
from meetups.proposals import approve_proposal, propose_meetup, reject_proposal
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db

SECRET = "秘密茶馆"


def event_staff():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=EVENT_STAFF))
    return user


def proposal(fan, **fields):
    values = {
        "title": f"{SECRET}聚会",
        "starts_at": timezone.now() + datetime.timedelta(days=20),
        "venue": SECRET,
        "address": "锦江区秘密路 1 号",
        "agenda": "喝茶",
        **fields,
    }
    return propose_meetup(fan, **values)


def in_state(state: str, fan):
    meetup = proposal(fan)
    if state == "rejected":
        reject_proposal(event_staff(), meetup, "场地不合适")
    elif state in ("approved", "approved then cancelled"):
        approve_proposal(event_staff(), meetup)
        if state == "approved then cancelled":
            Meetup.objects.filter(pk=meetup.pk).update(status=Meetup.Status.CANCELLED)
    return meetup


VIEWERS = ["anonymous", "another fan", "proposer", "event staff"]
# Who may read a proposal in each state: everyone once approved (also when cancelled later, for the
# fans who registered), else only the proposer and event staff.
READERS = {
    "pending": {"proposer", "event staff"},
    "rejected": {"proposer", "event staff"},
    "approved": set(VIEWERS),
    "approved then cancelled": set(VIEWERS),
}


@pytest.mark.parametrize("state", list(READERS))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_proposal_is_readable_only_by_those_the_rule_lets_in(client, django_assert_max_num_queries, state, viewer):
    proposer = UserFactory()
    meetup = in_state(state, proposer)
    user = {"anonymous": None, "another fan": UserFactory(), "proposer": proposer, "event staff": event_staff()}[viewer]
    if user is not None:
        client.force_login(user)
    allowed = viewer in READERS[state]
    client.get("/meetups/")  # the first visit of the day records activity

    with django_assert_max_num_queries(9):
        page = client.get(f"/meetups/{meetup.pk}/")
    ics = client.get(f"/meetups/{meetup.pk}/calendar.ics")
    ticket = client.get(f"/meetups/{meetup.pk}/ticket/")

    assert page.status_code == (200 if allowed else 404)
    assert ics.status_code == (200 if allowed else 404)
    if user is None:
        assert ticket.status_code == 302 and "/accounts/login/" in ticket["Location"]
    else:  # nobody here has a seat: a meetup they may see sends them back to it, any other is not found
        assert ticket.status_code == (302 if allowed else 404)
    if not allowed:
        assert SECRET not in page.content.decode() + ics.content.decode()
    assert (meetup in queries.visible_meetups(user or _anonymous())) == allowed


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_a_rejected_proposal_is_in_no_public_list(client):
    proposer = UserFactory()
    in_state("rejected", proposer)
    MeetupFactory(title="公开的见面会")
    client.force_login(UserFactory())
    for url in ["/", "/meetups/", "/meetups/cities/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET not in response.content.decode(), url
    assert "公开的见面会" in client.get("/meetups/").content.decode()


def test_every_read_of_one_meetup_goes_through_the_rule():
    """meetup_for is visible_meetups narrowed to one row, for every kind of viewer."""
    proposer = UserFactory()
    rejected = in_state("rejected", proposer)
    official = MeetupFactory()
    for user in [_anonymous(), UserFactory(), proposer, event_staff(), UserFactory(is_staff=True)]:
        for meetup in (rejected, official):
            expected = queries.visible_meetups(user).filter(pk=meetup.pk).exists()
            assert (queries.meetup_for(user, meetup.pk) is not None) == expected


HOSTILE_AGENDA = "\n".join(
    [
        "官方通知：[点此领取门票](https://evil.example/phish) 和 [ref][1]",
        "[1]: https://evil.example/ref",
        "![pixel](https://evil.example/p.png)",
        '<a href="https://evil.example/raw">raw</a></blockquote><p>Staff: pay at evil</p>',
        "<https://evil.example/auto> https://evil.example/bare www.evil.example evil@evil.example",
        "# 官方公告",
        "@everyone **粗体** `code` ~~删~~ | a | b |",
    ]
)


def test_the_announcement_quotes_the_fans_words_and_attributes_them():
    fan = UserFactory(username="teafan")
    meetup = proposal(fan, agenda=HOSTILE_AGENDA, venue="[官方](https://evil.example/v)")
    approve_proposal(event_staff(), meetup)
    meetup.refresh_from_db()
    body = Thread.objects.get(pk=meetup.city_thread_id).posts.get(floor=1).body
    html = render(body)

    # No link, image or autolink that the fan wrote: every href/src is the site's own.
    tags = _tags(html)
    assert not [attrs for _, attrs in tags if any("evil" in (value or "") for _, value in attrs)]
    assert not {"img", "h1", "code", "table"} & {tag for tag, _ in tags}
    # The fan's words are shown, as text, inside one quote that follows the attribution.
    assert html.count("<blockquote>") == 1 and html.count("</blockquote>") == 1
    quote = html[html.index("<blockquote>") : html.index("</blockquote>")]
    assert {tag for tag, _ in _tags(quote)} <= {"blockquote", "p", "br"}  # no bold, list or link of theirs
    assert "https://evil.example/phish" in quote and "Staff: pay at evil" in quote and "官方公告" in quote
    attribution = html[: html.index("<blockquote>")]
    assert "teafan" in attribution
    assert meetup.get_absolute_url() in html[html.index("</blockquote>") :]  # the register link is staff's, after
    # Nobody is mentioned by the fan's "@everyone"; the proposer is credited by name.
    from forum.writing.markup import mentioned_usernames

    assert mentioned_usernames(body) == ["teafan"]


def _tags(html: str) -> list[tuple[str, list]]:
    """The real elements of `html` with their attributes (text that looks like a tag is not one)."""
    tags = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, attrs))

    Collector().feed(html)
    return tags


def test_a_long_agenda_is_cut_in_the_announcement_not_the_publishing():
    meetup = proposal(UserFactory(), agenda="第一行\n" + "[@" * 1996)  # 4,000 characters, 22,000 as references
    approve_proposal(event_staff(), meetup)
    meetup.refresh_from_db()
    assert meetup.status == Meetup.Status.PUBLISHED and meetup.city_thread_id
    body = Thread.objects.get(pk=meetup.city_thread_id).posts.get(floor=1).body
    fan_words = body[: body.rindex("**[")]  # the last line is the site's own register link
    assert "第一行" in fan_words and fan_words.count("&#91;") > 1000 and "…" in fan_words and "[" not in fan_words
