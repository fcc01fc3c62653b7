"""Did the answer help? The asker rates each answer (bot or person) once, may change it; insights count them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from forum.writing import posting
from servicedesk import claims, insights, private, satisfaction, triage
from servicedesk.models import Priority, PrivateMessage, Rating, Ticket
from tests.servicedesk.factories import fan, feedback, rewind, rule, staff

pytestmark = pytest.mark.django_db


def _auto_answered(author=None, rule_name="Battery"):
    rule(rule_name, "battery", reply="Check Settings › Battery.")
    author = author or fan()
    thread = feedback(author, title="battery drains", body="battery drains overnight")
    ticket = triage.triage(thread.pk)
    return author, thread, ticket


def _staff_answered(capture, author=None):
    author = author or fan()
    thread = feedback(author, title="快递还没到", body="订单 12345")
    ticket = triage.triage(thread.pk)
    member = staff(display_name="Ann")
    with capture(execute=True):
        post = claims.answer(member, ticket.pk, "已经发货了")
    rewind(member)
    return author, thread, Ticket.objects.get(pk=ticket.pk), member, post


def test_the_fan_rates_the_automatic_answer_once_and_may_change_it():
    author, _thread, ticket = _auto_answered()
    assert ticket.answer_post_id == ticket.auto_post_id is not None

    first = satisfaction.rate_post(author, ticket.auto_post_id, False, "  没用  ")
    assert (first.helpful, first.comment, first.automatic, first.rule_name) == (False, "没用", True, "Battery")
    assert first.rule == ticket.rule and first.answered_by is None

    again = satisfaction.rate_post(author, ticket.auto_post_id, True)
    assert Rating.objects.count() == 1 and again.pk == first.pk
    assert Rating.objects.get().helpful is True and Rating.objects.get().comment == ""


def test_a_staff_answer_is_rated_as_a_persons_and_remembers_who(django_capture_on_commit_callbacks):
    author, _thread, ticket, member, post = _staff_answered(django_capture_on_commit_callbacks)
    assert ticket.answer_post_id == post.pk
    rating = satisfaction.rate_post(author, post.pk, True, "谢谢")
    assert not rating.automatic and rating.answered_by == member and rating.rule_name == ""


def test_a_further_staff_reply_in_the_thread_becomes_the_answer_to_rate(django_capture_on_commit_callbacks):
    _author, thread, ticket, member, _post = _staff_answered(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        later = posting.post_reply(member, thread, "补充：单号 SF123")
    assert Ticket.objects.get(pk=ticket.pk).answer_post_id == later.pk


def test_only_the_asker_rates_and_only_answers(django_capture_on_commit_callbacks):
    author, thread, _ticket, member, post = _staff_answered(django_capture_on_commit_callbacks)
    bystander = fan()
    with django_capture_on_commit_callbacks(execute=True):
        own = posting.post_reply(author, thread, "还是没有物流信息")
    rewind(author)
    with django_capture_on_commit_callbacks(execute=True):
        other = posting.post_reply(bystander, thread, "我也是")
    for who, post_id in [
        (bystander, post.pk),  # not the asker
        (member, post.pk),  # staff cannot rate their own answer
        (author, own.pk),  # the fan's own reply is no answer
        (author, other.pk),  # nor another fan's
        (author, thread.posts.get(floor=1).pk),  # nor the question
        (author, 10**9),  # nor a post that does not exist
    ]:
        with pytest.raises(PermissionDenied):
            satisfaction.rate_post(who, post_id, True)
    assert not Rating.objects.exists()


def test_private_request_answers_by_the_bot_and_by_staff_are_rated():
    rule("Account", "password", reply="Reset it under Settings › Account.")
    author = fan()
    request = private.open_request(author, "password", "I forgot my password")
    bot_message = PrivateMessage.objects.filter(request=request).exclude(author=author).get()
    mine = PrivateMessage.objects.filter(request=request, author=author).get()
    member = staff()
    answer = private.send_message(member, request.pk, "我们帮你重置了")

    assert satisfaction.rate_message(author, bot_message.pk, False, "没用").automatic
    rated = satisfaction.rate_message(author, answer.pk, True)
    assert not rated.automatic and rated.answered_by == member
    with pytest.raises(PermissionDenied):
        satisfaction.rate_message(author, mine.pk, True)
    with pytest.raises(PermissionDenied):
        satisfaction.rate_message(fan(), answer.pk, True)
    assert Rating.objects.count() == 2


def test_the_rating_page_takes_the_askers_rating_and_refuses_everyone_else(client):
    author, thread, ticket = _auto_answered()
    url = "/servicedesk/rate/"
    answer = {"post": ticket.auto_post_id, "helpful": "no", "comment": "没解决"}
    client.force_login(fan())
    assert client.post(url, answer).status_code == 404
    client.force_login(author)
    assert client.get(url).status_code == 405
    for bad in ({"helpful": "no"}, {**answer, "helpful": "maybe"}, {**answer, "post": "x"}, {**answer, "post": 0}):
        assert client.post(url, bad).status_code == 400
    assert client.post(url, {**answer, "comment": "x" * 1001}).status_code == 400
    assert not Rating.objects.exists()
    response = client.post(url, answer)
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}#rate-post-{ticket.auto_post_id}"
    assert Rating.objects.get().comment == "没解决"


def test_the_thread_page_shows_the_rating_form_to_the_asker_without_another_query(client):
    author, thread, ticket = _auto_answered()
    client.force_login(author)
    client.get(thread.get_absolute_url())

    def page():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(thread.get_absolute_url())
        assert response.status_code == 200
        return len(queries), response.content.decode()

    before, html = page()
    assert f'id="rate-post-{ticket.auto_post_id}"' in html and 'aria-pressed="true"' not in html
    satisfaction.rate_post(author, ticket.auto_post_id, False, "没解决")
    after, html = page()
    assert after == before
    assert ">没解决</textarea>" in html and 'value="no" class="" aria-pressed="true"' in html
    client.force_login(fan())
    assert 'id="rate-post-' not in client.get(thread.get_absolute_url()).content.decode()


def test_the_private_request_page_offers_a_rating_under_each_answer(client, django_assert_max_num_queries):
    author = fan()
    request = private.open_request(author, "订单", "订单号 1")
    answer = private.send_message(staff(), request.pk, "已处理")
    client.force_login(author)
    client.get(request.get_absolute_url())
    with django_assert_max_num_queries(11):
        html = client.get(request.get_absolute_url()).content.decode()
    assert f'id="rate-message-{answer.pk}"' in html and html.count('class="desk-rating"') == 1


def test_insights_show_the_helpful_rate_for_automatic_and_human_answers_and_per_rule(
    client, django_capture_on_commit_callbacks
):
    rule("Battery", "battery", reply="Check Settings › Battery.")
    rule("Annoying", "wifi", reply="Restart it.")
    for word, helped in [("battery", False), ("battery", False), ("battery", True), *[("wifi", False)] * 3]:
        author = fan()
        thread = feedback(author, title=f"{word} problem", body=word)
        satisfaction.rate_post(author, triage.triage(thread.pk).auto_post_id, helped)
    author, _thread, _ticket, _member, post = _staff_answered(django_capture_on_commit_callbacks)
    satisfaction.rate_post(author, post.pk, True)

    figures = insights.satisfaction()
    assert (figures.automatic.helped, figures.automatic.total) == (1, 6)
    assert (figures.human.helped, figures.human.total) == (1, 1)
    assert [(r.label, r.helped, r.total, r.annoys) for r in figures.rules] == [
        ("Annoying", 0, 3, True),
        ("Battery", 1, 3, True),
    ]

    client.force_login(staff())
    html = client.get("/staff/insights/").content.decode()
    assert 'data-figure="helpful-automatic">17%<' in html and 'data-figure="helpful-human">100%<' in html
    assert 'class="annoys" data-rule="Annoying"' in html and "0% (0/3)" in html


def test_ratings_are_in_the_fans_export_and_erased_with_the_account():
    author, _thread, ticket = _auto_answered()
    satisfaction.rate_post(author, ticket.auto_post_id, False, "没用")
    exported = export_personal_data(author)["servicedesk"]["ratings"]
    assert exported[0]["comment"] == "没用" and exported[0]["helped"] is False

    delete_account(author)

    assert not Rating.objects.exists()


def test_a_ticket_page_shows_the_fans_ratings_to_staff(client):
    author, _thread, ticket = _auto_answered()
    Ticket.objects.filter(pk=ticket.pk).update(escalated_at=ticket.auto_answered_at, priority=Priority.NORMAL)
    satisfaction.rate_post(author, ticket.auto_post_id, False, "答非所问")
    client.force_login(staff())
    page = client.get(f"/staff/queue/{ticket.pk}/")
    assert page.status_code == 200 and "“答非所问”" in page.content.decode()
