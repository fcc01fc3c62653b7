"""Insights on a small known data set: every figure checked against what was put in."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import City
from accounts.roles import CORE_TESTERS
from forum.models import Thread
from servicedesk import activity_weeks, insights, triage
from servicedesk.models import Priority, Ticket, TicketState
from tests.servicedesk.factories import fan, feedback, rule, staff

pytestmark = pytest.mark.django_db


def _answered_after(thread: Thread, minutes: int) -> None:
    created = timezone.now() - datetime.timedelta(hours=2)
    Thread.objects.filter(pk=thread.pk).update(
        created_at=created,
        first_staff_reply_at=created + datetime.timedelta(minutes=minutes),
        time_to_first_staff_reply=datetime.timedelta(minutes=minutes),
    )
    Ticket.objects.filter(thread=thread).update(state=TicketState.ANSWERED)


@pytest.fixture
def known_data():
    """4 feedback threads today: 1 bug and 3 questions; staff answered 3 of them after 5, 10 and 30 minutes;
    the bot answered 2, one of whose fans asked for a person."""
    rule("Battery", "battery", reply="Check Settings › Battery.")
    rule("快递", "快递", escalate=Priority.URGENT)
    threads = [
        feedback(title="快递 1", kind="bug"),
        feedback(title="快递 2"),
        feedback(title="快递 3"),
        feedback(title="battery A"),
        feedback(title="battery B"),
    ]
    for t in threads[:3]:
        triage.triage(t.pk)
    auto_a = triage.triage(threads[3].pk)
    triage.bot_account().forum_posts.update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    triage.triage(threads[4].pk)
    triage.ask_for_person(threads[3].author, threads[3])
    for thread, minutes in zip(threads[:3], [5, 10, 30], strict=True):
        _answered_after(thread, minutes)
    Ticket.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))
    return threads, auto_a


def test_response_time_median_and_p90_from_percentile_cont(known_data):
    figures = insights.response_times(target_minutes=15)
    assert figures.answered == 3 and figures.within_target == 2
    assert figures.median == pytest.approx(10)
    assert figures.p90 == pytest.approx(26)  # 10 + 0.8 * (30 - 10)
    today = [d for d in figures.days if d.answered]
    assert len(today) == 1 and today[0].median == pytest.approx(10)
    assert figures.waiting == 1  # the fan who asked for a person


def test_feedback_per_day_by_kind_and_status(known_data):
    figures = insights.feedback_per_day()
    assert figures.total == 5
    # Three threads were moved two hours back: just after local midnight they fall on yesterday.
    expected = {}
    for t in Thread.objects.filter(pk__in=[t.pk for t in known_data[0]]):
        kinds = expected.setdefault(timezone.localdate(t.created_at), {"bug": 0, "suggestion": 0, "question": 0})
        kinds[t.feedback_kind] += 1
    assert {day: figures.by_kind[day] for day in expected} == expected
    assert {k: sum(kinds[k] for kinds in expected.values()) for k in ("bug", "suggestion", "question")} == {
        "bug": 1,
        "suggestion": 0,
        "question": 4,
    }
    assert dict((s, n) for s, _label, n in figures.statuses)["open"] == 5


def test_share_answered_automatically(known_data):
    share = insights.automatic_share()
    assert (share.tickets, share.automatic, share.asked_for_person, share.escalated) == (5, 1, 1, 4)
    assert share.share == pytest.approx(0.2)


def test_signups_and_how_many_came_back():
    today = timezone.localdate()
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    fan(date_joined=three_days_ago, last_active_on=today)  # came back
    fan(date_joined=three_days_ago, last_active_on=timezone.localtime(three_days_ago).date())  # never did
    fan(date_joined=timezone.now() - datetime.timedelta(days=40), last_active_on=today)  # outside the window
    days = {d.day: d for d in insights.signups()}
    day = timezone.localtime(three_days_ago).date()
    assert (days[day].signups, days[day].came_back) == (2, 1)
    assert sum(d.signups for d in days.values()) == 2


def test_weekly_activity_rate_overall_and_per_city():
    today = timezone.localdate()
    beijing = City.objects.get(slug="beijing")
    fan(last_active_on=today)
    fan(last_active_on=today - datetime.timedelta(days=40))
    fan(city=beijing, last_active_on=today)
    fan(city=beijing)
    activity_weeks.snapshot_week()
    activity_weeks.snapshot_week()  # again the same night: rows are replaced, not added
    overall = insights.activity_weeks()
    assert len(overall) == 1 and (overall[0].active, overall[0].total) == (2, 4)
    assert [(w.active, w.total) for w in insights.activity_weeks(beijing)] == [(1, 2)]


def test_segments_counts_and_city_filter():
    today = timezone.localdate()
    beijing = City.objects.get(slug="beijing")
    fan(date_joined=timezone.now() - datetime.timedelta(days=2), last_active_on=today)  # new and active
    fan(date_joined=timezone.now() - datetime.timedelta(days=90), last_active_on=today - datetime.timedelta(days=45))
    tester = fan(city=beijing, date_joined=timezone.now() - datetime.timedelta(days=90), last_active_on=today)
    tester.groups.add(Group.objects.get(name=CORE_TESTERS))
    counts = insights.segment_counts()
    assert counts == {"all": 3, "new": 1, "active": 2, "dormant": 1, "core_testers": 1, "meetup_attendees": 0}
    assert insights.segment_counts(beijing)["all"] == 1
    assert list(insights.segment_fans("core_testers", beijing)) == [tester]


def test_segment_csv_export(client):
    tester = fan(display_name="=HYPERLINK(1)", last_active_on=timezone.localdate())
    tester.groups.add(Group.objects.get(name=CORE_TESTERS))
    client.force_login(staff())
    response = client.get("/staff/insights/segments.csv", {"segment": "core_testers", "city": "shenzhen"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["用户名", "昵称", "城市", "注册日期", "最近活跃日期"] and len(rows) == 2
    assert rows[1][0] == tester.username and rows[1][1] == "'=HYPERLINK(1)" and rows[1][2] == "深圳"
    client.cookies["django_language"] = "en"
    english = b"".join(client.get("/staff/insights/segments.csv", {"segment": "core_testers"}).streaming_content)
    rows = list(csv.reader(io.StringIO(english.decode("utf-8-sig"))))
    assert rows[0] == ["username", "display name", "city", "joined on", "last active on"]
    assert rows[1][2] == "Shenzhen"


def test_insights_page_shows_the_figures_in_a_fixed_number_of_queries(
    client, known_data, django_assert_max_num_queries
):
    from meetups.ranking import snapshot_cities

    activity_weeks.snapshot_week()
    snapshot_cities()  # the page also shows the city ranking when there is one
    client.force_login(staff())
    client.get("/staff/insights/")
    with django_assert_max_num_queries(20):  # 18 (one for the ratings), the session read from PostgreSQL, the groups
        page = client.get("/staff/insights/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html
    assert 'data-figure="median">10 分钟<' in html
    assert 'data-figure="automatic-share">20%<' in html
    with django_assert_max_num_queries(16):
        assert client.get("/staff/insights/", {"city": "shenzhen"}).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/staff/insights/segments/", {"segment": "active"}).status_code == 200
