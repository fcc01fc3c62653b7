"""The agent's tools: teams and assignment, internal notes, tags and fields, search and saved views, merge,
the fan's context, service levels (business hours, holidays, alerts once), reports, the queue's query budget."""

import datetime
import json
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts.export import export_personal_data
from accounts.models import Notification
from forum.models import Board, Thread
from forum.writing import posting
from servicedesk import annotations, assignment, claims, merging, private, queries, reports, saved_views, sla, triage
from servicedesk.models import (
    BusinessHours,
    Holiday,
    Priority,
    PrivateMessage,
    Rating,
    SlaEvent,
    SlaTarget,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    TicketNote,
    TicketState,
)
from servicedesk.queries import QueueSearch
from tests.servicedesk.factories import fan, feedback, rewind, rule, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # refusals read in English here; pages are read in Chinese
        yield


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _escalated(title="need help", body="please", author=None) -> Ticket:
    thread = feedback(author=author, title=title, body=body)
    ticket = triage.triage(thread.pk)
    assert ticket is not None and ticket.is_open
    return ticket


def _team(name="订单", *members) -> Team:
    team = Team.objects.create(name=name, name_en=f"{name} team")
    team.members.add(*members)
    return team


# Assignment and teams


def test_assigning_to_an_agent_and_a_team_is_logged_and_the_agent_is_told():
    lead, ann = staff(display_name="Lead"), staff(display_name="Ann")
    orders = _team("订单", ann)
    ticket = _escalated()
    assignment.assign(lead, ticket.pk, ann, orders)
    ticket.refresh_from_db()
    assert ticket.claimed_by == ann and ticket.team == orders and ticket.state == TicketState.CLAIMED
    event = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ASSIGNED).get()
    assert event.actor == lead and event.detail == "Ann · 订单"
    assert Notification.objects.filter(recipient=ann, url=f"/staff/queue/{ticket.pk}/").exists()
    # Reassigning is logged again; taking the agent away puts it back to new.
    assignment.assign(lead, ticket.pk, None, orders)
    ticket.refresh_from_db()
    assert ticket.claimed_by is None and ticket.state == TicketState.NEW
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ASSIGNED).count() == 2
    # The same assignment twice writes nothing.
    assignment.assign(lead, ticket.pk, None, orders)
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ASSIGNED).count() == 2


def test_only_desk_staff_assign_and_only_desk_staff_are_given_tickets():
    ticket = _escalated()
    with pytest.raises(Exception, match="PermissionDenied|") as error:
        assignment.assign(fan(), ticket.pk, None, None)
    assert error.type.__name__ == "PermissionDenied"
    with pytest.raises(Exception) as error:
        assignment.assign(staff(), ticket.pk, fan(), None)
    assert error.type.__name__ == "ValidationError"


def test_a_keyword_rule_routes_to_its_team_and_sets_its_tags():
    flashing = _team("刷机")
    r = rule("刷机", "刷机\nrom", escalate=Priority.NORMAL)
    r.team = flashing
    r.save()
    r.tags.add(Tag.objects.create(name="rom"))
    ticket = _escalated("刷机失败", "我刷机后无法开机")
    ticket.refresh_from_db()
    assert ticket.team == flashing and [t.name for t in ticket.tags.all()] == ["rom"]
    request = private.open_request(fan(), "ROM 问题", "刷机以后黑屏")
    assert Ticket.objects.get(request=request).team == flashing


def test_mine_my_teams_and_unassigned_views():
    me, other = staff(), staff()
    orders = _team("订单", me)
    mine = _escalated("mine")
    teams = _escalated("team's")
    nobody = _escalated("nobody's")
    elsewhere = _escalated("someone else's")
    assignment.assign(me, mine.pk, me, None)
    assignment.assign(me, teams.pk, None, orders)
    assignment.assign(me, elsewhere.pk, other, None)

    def found(scope):
        return {t.pk for t in queries.searched(me.pk, QueueSearch(scope=scope))}

    assert found("mine") == {mine.pk}
    assert found("team") == {teams.pk}
    assert found("unassigned") == {teams.pk, nobody.pk}
    counts = queries.sidebar_counts(me.pk)
    assert (counts["all"], counts["mine"], counts["team"], counts["unassigned"]) == (4, 1, 1, 2)


# Internal notes


def test_internal_notes_never_reach_the_fan(client, mailoutbox, django_capture_on_commit_callbacks):
    author = fan(email="fan@example.com")
    request = private.open_request(author, "订单", "订单号 12345")
    ticket = Ticket.objects.get(request=request)
    thread_ticket = _escalated("公开反馈", "屏幕闪烁", author=author)
    member = staff()
    secret = "INTERNAL-ONLY refund approved by finance"
    with django_capture_on_commit_callbacks(execute=True):
        annotations.add_note(member, ticket.pk, secret)
        annotations.add_note(member, thread_ticket.pk, secret)
        claims.answer(member, ticket.pk, "我们查一下")
        claims.answer(member, thread_ticket.pk, "已收到")
    assert TicketNote.objects.count() == 2
    client.force_login(author)
    for url in (request.get_absolute_url(), thread_ticket.thread.get_absolute_url(), "/servicedesk/requests/"):
        page = client.get(url)
        assert page.status_code == 200 and secret not in page.content.decode(), url
    assert client.get(f"/staff/queue/{ticket.pk}/").status_code == 403
    exported = json.dumps(export_personal_data(author), ensure_ascii=False, default=str)
    assert secret not in exported and "INTERNAL" not in exported
    assert all(secret not in n.text for n in Notification.objects.filter(recipient=author))
    assert all(secret not in m.body and secret not in str(m.alternatives) for m in mail.outbox)
    client.force_login(member)
    assert secret in client.get(f"/staff/queue/{ticket.pk}/").content.decode()


def test_fans_cannot_write_notes():
    with pytest.raises(Exception) as error:
        annotations.add_note(fan(), _escalated().pk, "hi")
    assert error.type.__name__ == "PermissionDenied"


# Tags and fields


def test_tags_are_normalised_and_filter_the_queue_and_fields_are_kept():
    member = staff()
    a, b = _escalated("a"), _escalated("b")
    annotations.set_tags(member, a.pk, annotations.parse_tags("Battery, ＳＣＲＥＥＮ、battery"))
    annotations.set_tags(member, b.pk, annotations.parse_tags("screen"))
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["battery", "screen"]
    assert {t.pk for t in queries.searched(member.pk, QueueSearch(tag="screen"))} == {a.pk, b.pk}
    assert {t.pk for t in queries.searched(member.pk, QueueSearch(tag="battery"))} == {a.pk}
    annotations.set_fields(member, a.pk, device_model=" Mi  14 ", system_version="HyperOS 1.0.5", order_number="A-1")
    a.refresh_from_db()
    assert (a.device_model, a.system_version, a.order_number) == ("Mi 14", "HyperOS 1.0.5", "A-1")


def test_a_feedback_threads_device_and_version_fill_the_ticket_fields():
    author = fan()
    thread = posting.start_thread(
        author, Board.objects.get(slug="feedback"), "发热", "玩游戏发热", feedback_kind="bug",
        device_model="Mi 13", software_version="14.0.3",
    )  # fmt: skip
    ticket = triage.triage(thread.pk)
    assert (ticket.device_model, ticket.system_version) == ("Mi 13", "14.0.3")


# Search and saved views


def test_search_by_the_fans_words_chinese_and_english_and_their_later_replies(django_capture_on_commit_callbacks):
    member = staff()
    flashing = _escalated("求助", "我刷机后无法开机")
    battery = _escalated("Battery drain", "The battery drains overnight")
    other = _escalated("别的", "随便问问")

    def found(q, **kw):
        return {t.pk for t in queries.searched(member.pk, QueueSearch(q=q, **kw))}

    assert found("刷机") == {flashing.pk}
    assert found("无法开机") == {flashing.pk}
    assert found("drain") == {battery.pk}
    assert found("BATTERY") == {battery.pk}
    assert found("充电") == set()
    # A staff answer's words are not the fan's; the fan's later reply is.
    with django_capture_on_commit_callbacks(execute=True):
        claims.answer(member, other.pk, "请尝试恢复出厂设置")
    assert found("出厂", state="all") == set()
    rewind(other.thread.author, 120)
    with django_capture_on_commit_callbacks(execute=True):
        posting.post_reply(other.thread.author, other.thread, "还是黑屏")
    assert found("黑屏") == {other.pk}


def test_search_by_agent_team_rule_state_age_and_breach():
    member, ann = staff(), staff()
    orders = _team("订单")
    r = rule("订单", "订单", escalate=Priority.NORMAL)
    by_rule = _escalated("订单问题", "订单没到")
    old = _escalated("old")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=50))
    assignment.assign(member, old.pk, ann, orders)
    late = _escalated("late")
    Ticket.objects.filter(pk=late.pk).update(response_due=timezone.now() - datetime.timedelta(minutes=1))
    answered = _escalated("answered")
    claims.answer(member, answered.pk, "done")

    def found(**kw):
        return {t.pk for t in queries.searched(member.pk, QueueSearch(**kw))}

    assert found(rule=r.pk) == {by_rule.pk}
    assert found(agent=ann.pk) == found(team=orders.pk) == {old.pk}
    assert found(older_than_hours=48) == {old.pk}
    assert found(breached=True) == {late.pk}
    assert found(state="answered") == {answered.pk}
    assert answered.pk not in found()


def test_saved_views_are_the_owners_only(client):
    me, other = staff(), staff()
    view = saved_views.save(me, "我的 订单", "scope=mine&tag=订单")
    client.force_login(me)
    page = client.get("/staff/queue/").content.decode()
    assert "我的 订单" in page and view.get_absolute_url().replace("&", "&amp;") in page
    client.force_login(other)
    assert "我的 订单" not in client.get("/staff/queue/").content.decode()
    assert client.post(f"/staff/queue/views/{view.pk}/delete/").status_code == 404
    client.force_login(me)
    assert client.post(f"/staff/queue/views/{view.pk}/delete/").status_code == 302
    assert not type(view).objects.exists()


def test_the_queue_page_saves_a_search_as_a_view_and_hostile_parameters_are_dropped(client):
    me = staff()
    client.force_login(me)
    response = client.post("/staff/queue/views/", {"name": "Old", "query": "older_than_hours=24&agent=x&evil=1"})
    assert response.status_code == 302 and response["Location"] == "/staff/queue/?older_than_hours=24"
    for query in ("?agent=-1", "?team=99999999999999999999", "?q=" + "刷" * 500, "?state=bogus", "?breached=on"):
        assert client.get("/staff/queue/" + query).status_code == 200, query


# Merge


def test_merging_keeps_messages_history_and_ratings_and_tells_the_fan_once():
    author = fan()
    member = staff()
    first = private.open_request(author, "订单没到", "订单 1 没到")
    second = private.open_request(author, "还是订单", "订单 1 到底在哪")
    keep, dup = Ticket.objects.get(request=first), Ticket.objects.get(request=second)
    answer = claims.answer(member, dup.pk, "我们在查")
    Rating.objects.create(ticket=dup, message=answer, fan=author, automatic=False, answered_by=member, helpful=True,
                          rated_at=timezone.now())  # fmt: skip
    annotations.add_note(member, dup.pk, "same parcel")
    dup_events = TicketEvent.objects.filter(ticket=dup).count()
    before = Notification.objects.filter(recipient=author).count()
    merging.merge(member, dup.pk, keep.pk)
    dup.refresh_from_db()
    assert dup.merged_into_id == keep.pk and dup.state == TicketState.SOLVED
    texts = list(
        PrivateMessage.objects.filter(request=first).order_by("created_at", "pk").values_list("body", flat=True)
    )
    assert texts == ["订单 1 没到", "订单 1 到底在哪", "我们在查"]
    assert Rating.objects.get().ticket_id == keep.pk
    assert TicketNote.objects.get().ticket_id == keep.pk
    assert TicketEvent.objects.filter(ticket=keep).count() >= dup_events + 1
    assert Notification.objects.filter(recipient=author).count() == before + 1
    with pytest.raises(Exception, match="already merged"):
        merging.merge(member, dup.pk, keep.pk)
    assert Notification.objects.filter(recipient=author).count() == before + 1


def test_only_the_same_fans_items_merge():
    member = staff()
    a, b = _escalated("a"), _escalated("b")
    with pytest.raises(Exception, match="same fan"):
        merging.merge(member, a.pk, b.pk)
    with pytest.raises(Exception) as error:
        merging.merge(fan(), a.pk, b.pk)
    assert error.type.__name__ == "PermissionDenied"


# The fan's context


def test_the_ticket_page_shows_the_fans_earlier_items_threads_device_city_and_meetups(client):
    from meetups.models import Registration
    from tests.meetups.factories import MeetupFactory

    author = fan()
    earlier = _escalated("上次的问题", "旧问题", author=author)
    Ticket.objects.filter(pk=earlier.pk).update(device_model="Mi 12")
    meetup = MeetupFactory(title="深圳米粉见面会")
    from meetups.models import Meetup

    Meetup.objects.filter(pk=meetup.pk).update(starts_at=timezone.now() - datetime.timedelta(days=20))
    Registration.objects.create(
        meetup=meetup, fan=author, state=Registration.State.CONFIRMED, order=1, checked_in_at=timezone.now()
    )
    rewind(author, 120)
    ticket = _escalated("新问题", "又坏了", author=author)
    client.force_login(staff())
    page = client.get(f"/staff/queue/{ticket.pk}/").content.decode()
    assert "上次的问题" in page and "Mi 12" in page and "深圳米粉见面会" in page


# Service levels


def _hours_9_to_18():
    return {d: [(datetime.time(9), datetime.time(18))] for d in range(5)}


def test_business_minutes_skip_nights_weekends_and_holidays():
    friday_5pm = datetime.datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI)
    assert sla.add_business_minutes(friday_5pm, 30, _hours_9_to_18(), []) == friday_5pm.replace(minute=30)
    # 60 minutes from Friday 17:00: 60 on Friday, none at the weekend... 120 ends Monday 10:00.
    assert sla.add_business_minutes(friday_5pm, 120, _hours_9_to_18(), []) == datetime.datetime(
        2026, 12, 7, 10, 0, tzinfo=SHANGHAI
    )
    # Monday a holiday: Tuesday 10:00.
    assert sla.add_business_minutes(friday_5pm, 120, _hours_9_to_18(), [datetime.date(2026, 12, 7)]) == (
        datetime.datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)
    )
    saturday_night = datetime.datetime(2026, 12, 5, 23, 0, tzinfo=SHANGHAI)
    assert sla.add_business_minutes(saturday_night, 1, _hours_9_to_18(), []) == datetime.datetime(
        2026, 12, 7, 9, 1, tzinfo=SHANGHAI
    )


def test_every_priority_gets_due_times_from_its_targets_and_the_staff_calendar():
    SlaTarget.objects.filter(priority=Priority.NORMAL).update(response_minutes=60, resolution_minutes=600)
    BusinessHours.objects.all().delete()
    BusinessHours.objects.create(weekday=0, opens=datetime.time(9), closes=datetime.time(12))
    Holiday.objects.create(day=datetime.date(2030, 1, 7), name="test")
    start = datetime.datetime(2030, 1, 6, 20, 0, tzinfo=SHANGHAI)  # a Sunday; Monday 7th is a holiday
    response, resolution = sla.due_times(Priority.NORMAL, start)
    assert response == datetime.datetime(2030, 1, 14, 10, 0, tzinfo=SHANGHAI)
    urgent_response, _ = sla.due_times(Priority.URGENT, start)  # around the clock by default
    assert urgent_response == start + datetime.timedelta(minutes=30)
    ticket = _escalated()
    assert ticket.response_due is not None and ticket.resolution_due is not None


def test_alerts_before_and_at_breach_go_out_once_to_the_holder(mailoutbox):
    SlaTarget.objects.update(around_the_clock=True)
    ann = staff()
    ticket = _escalated()
    assignment.assign(ann, ticket.pk, ann, None)
    ticket.refresh_from_db()
    due = ticket.response_due
    target = SlaTarget.objects.get(priority=ticket.priority)
    soon = due - datetime.timedelta(minutes=target.warn_minutes - 1)
    assert sla.check(soon) == 1 and sla.check(soon) == 0
    assert sla.check(due + datetime.timedelta(seconds=1)) == 1 and sla.check(due + datetime.timedelta(minutes=5)) == 0
    stages = set(SlaEvent.objects.filter(ticket=ticket).values_list("target", "stage"))
    assert stages == {("response", "warning"), ("response", "breach")}
    breach = SlaEvent.objects.get(ticket=ticket, stage="breach")
    assert breach.agent == ann
    breach_group = f"servicedesk:sla:{ticket.pk}:response:breach"
    assert Notification.objects.filter(recipient=ann, group=breach_group).count() == 1


def test_reports_per_agent_and_team_and_the_breach_report(client, django_assert_max_num_queries):
    ann = staff(display_name="Ann")
    orders = _team("订单", ann)
    for title in ("a", "b"):
        ticket = _escalated(title)
        assignment.assign(ann, ticket.pk, ann, orders)
        claims.answer(ann, ticket.pk, "ok")
    SlaEvent.objects.create(ticket=ticket, target="response", stage="breach", due_at=timezone.now(),
                            at=timezone.now(), priority=1, team=orders, agent=ann)  # fmt: skip
    agents, teams = reports.per_agent_and_team()
    assert [(r.name, r.handled) for r in agents] == [("Ann", 2)]
    assert [(r.name, r.handled) for r in teams] == [("订单 team", 2)]
    assert agents[0].response_median is not None
    breaches = reports.breaches()
    assert breaches["team"] == [("订单 team", 1)] and breaches["agent"] == [("Ann", 1)] and len(breaches["week"]) == 1
    client.force_login(ann)
    with django_assert_max_num_queries(14):
        page = client.get("/staff/reports/")
    assert page.status_code == 200 and "Ann" in page.content.decode()


# The queue's query budget


def test_queue_with_ten_thousand_open_tickets_and_fifty_agents_stays_within_its_query_budget(
    client, django_assert_max_num_queries
):
    board = Board.objects.get(slug="feedback")
    author = fan()
    now = timezone.now()
    agents = [staff() for _ in range(50)]
    teams = [_team(f"team {n}", *agents[n * 10 : n * 10 + 10]) for n in range(5)]
    tags = Tag.objects.bulk_create(Tag(name=f"tag{n}") for n in range(20))
    threads = Thread.objects.bulk_create(
        Thread(board=board, author=author, title=f"item {n}", created_at=now, last_post_at=now, status="open")
        for n in range(10_000)
    )
    tickets = Ticket.objects.bulk_create(
        (Ticket(
            thread=t, created_at=now - datetime.timedelta(hours=n % 100), escalated_at=now,
            waiting_since=now - datetime.timedelta(seconds=n),
            priority=Priority.URGENT if n % 10 == 0 else Priority.NORMAL,
            state=[TicketState.NEW, TicketState.CLAIMED, TicketState.REOPENED][n % 3],
            claimed_by=agents[n % 50] if n % 3 else None, team=teams[n % 5],
            response_due=now - datetime.timedelta(minutes=1) if n % 7 == 0 else now + datetime.timedelta(hours=1),
            search=f"item:1 n{n}:2",
        )
        for n, t in enumerate(threads)), batch_size=1000,
    )  # fmt: skip
    Ticket.tags.through.objects.bulk_create(
        (Ticket.tags.through(ticket_id=t.pk, tag_id=tags[n % 20].pk) for n, t in enumerate(tickets)), batch_size=2000
    )
    me = agents[1]
    saved_views.save(me, "mine", "scope=mine")
    client.force_login(me)
    client.get("/staff/queue/")
    for url in (
        "/staff/queue/",
        "/staff/queue/?page=2",
        "/staff/queue/?state=reopened&page=67",
        "/staff/queue/?page=999",
        "/staff/queue/?scope=mine",
        "/staff/queue/?scope=team",
        "/staff/queue/?scope=unassigned&page=3",
        "/staff/queue/?tag=tag3&breached=1",
        "/staff/queue/?q=item&older_than_hours=50",
        f"/staff/queue/?agent={agents[4].pk}&team={teams[4].pk}",
    ):
        with django_assert_max_num_queries(12):
            page = client.get(url)
        assert page.status_code == 200, url
    html = client.get("/staff/queue/").content.decode()
    assert 'data-scope="all"' in html and ">10000<" in html and html.count('class="card queue-item') == 50
    assert ">200<" in html
    mine = client.get("/staff/queue/?scope=mine").content.decode()
    held = Ticket.objects.filter(claimed_by=me).count()
    assert mine.count('class="card queue-item') == 50 and f"{held} 个事项" in mine
