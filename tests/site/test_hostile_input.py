"""Hostile input never gives a 500 or a half-written row.

First the 500s a probe found (one test each), then Hypothesis throwing arbitrary text, NUL bytes,
huge numbers and non-ASCII digits at every query parameter and form of the forum, accounts,
meetups and service desk, signed in as a fan and as staff.
"""

import pytest
from django.conf import settings
from django.test import Client, override_settings

from fancity.lib.params import int_param, page_param, safe_next
from forum.models import Post, Thread
from meetups.models import Registration
from tests.forum.factories import fan, reply, staff, thread
from tests.meetups.factories import MeetupFactory

WITHOUT_NUL_MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "fancity.lib.params.RejectNulBytesMiddleware"]


# --- the parsing helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        ("0", None),
        ("²", None),
        ("٣", None),
        (" 7", None),
        ("1_000", None),
        ("-3", None),
        ("99999999999999999999", None),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("", None),
        (None, None),
        ("7\x00", None),
    ],
)
def test_int_param_takes_only_ascii_digits_in_range(raw, expected):
    assert int_param(raw) == expected


def test_page_param_falls_back_to_one_and_stops_at_the_last_page():
    assert page_param("99999999999999999999") == 1
    assert page_param("²") == 1
    assert page_param("12", last=3) == 3
    assert page_param("2", last=3) == 2


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("/forum/", True),
        ("/forum/t/1/?page=2", True),
        ("https://other.example/", False),
        ("//other.example/", False),
        ("/\\other.example", False),
        ("javascript:alert(1)", False),
        ("notifications", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_next_keeps_only_paths_on_this_site(rf, raw, safe):
    request = rf.post("/notifications/read/")
    assert safe_next(request, raw, "/fallback/") == (raw if safe else "/fallback/")


# --- the 500s the probe found ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/u/%00/",
        "/forum/search/?q=%00",
        "/forum/b/general/?page=%00",
        "/meetups/?x=1&y=%00",
        "/staff/insights/?city=%00",
        "/staff/insights/segments/?city=sh%00",
    ],
)
def test_a_nul_byte_in_the_path_or_query_is_a_400(client, url):
    client.force_login(staff())
    assert client.get(url).status_code == 400


@pytest.mark.django_db
def test_a_nul_byte_in_a_cookie_is_a_400(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get("/forum/").status_code == 400


@pytest.mark.django_db
def test_a_nul_byte_in_a_form_is_refused_even_without_the_middleware(client):
    meetup = MeetupFactory(question="Why?")
    member = fan()
    client.force_login(member)
    assert client.post(f"/meetups/{meetup.pk}/register/", {"answer": "a\x00b"}).status_code == 400
    with override_settings(MIDDLEWARE=WITHOUT_NUL_MIDDLEWARE):
        client = Client()  # a client loads its middleware once
        client.force_login(member)
        response = client.post(f"/meetups/{meetup.pk}/register/", {"answer": "a\x00b"})
    assert response.status_code == 302
    assert not Registration.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("quote", ["²", "٣", "99999999999999999999", "-1", "1e3"])
def test_a_quote_that_is_not_a_post_number_is_ignored(client, quote, django_assert_max_num_queries):
    t = thread()
    client.force_login(fan())
    with django_assert_max_num_queries(20):
        response = client.get(f"/forum/t/{t.pk}/?quote={quote}")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["99999999999999999999", "²", "-5", "0", "1" * 5000])
def test_any_page_number_on_the_feedback_board_and_a_thread_is_a_page(client, number, django_assert_max_num_queries):
    t = thread(slug="feedback", feedback_kind="bug")
    client.force_login(fan())
    with django_assert_max_num_queries(20):
        assert client.get(f"/forum/b/feedback/?page={number}").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(f"/forum/t/{t.pk}/?page={number}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("after", ["²", "٣", "99999999999999999999", "-1"])
def test_a_segment_cursor_that_is_not_a_number_is_ignored(client, after, django_assert_max_num_queries):
    client.force_login(staff())
    with django_assert_max_num_queries(20):
        assert client.get(f"/staff/insights/segments/?segment=active&after={after}").status_code == 200


@pytest.mark.django_db
def test_mark_read_ignores_ids_that_are_not_numbers(client):
    client.force_login(fan())
    response = client.post("/notifications/read/", {"id": ["²", "٣", "99999999999999999999", "1"]})
    assert (response.status_code, response["Location"]) == (302, "/notifications/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("notifications", "/notifications/"),
        ("forum:index", "/notifications/"),
        ("https://other.example/", "/notifications/"),
        ("//other.example/", "/notifications/"),
        ("/forum/?page=2", "/forum/?page=2"),
    ],
)
def test_next_is_followed_only_to_a_path_on_this_site(client, next_url, location):
    client.force_login(fan())
    response = client.post("/notifications/read/", {"next": next_url})
    assert (response.status_code, response["Location"]) == (302, location)


@pytest.mark.django_db
def test_huge_ids_in_urls_are_404(client):
    client.force_login(staff())
    for url in ("/forum/t/99999999999999999999/", "/forum/p/99999999999999999999/", "/meetups/99999999999999999999/"):
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_reply_quoting_a_huge_id_quotes_nothing(client):
    t = thread()
    reply(fan(), t)
    client.force_login(fan())
    response = client.post(f"/forum/t/{t.pk}/reply/", {"body": "hi", "quote": "99999999999999999999"})
    assert response.status_code == 302
    assert Post.objects.get(thread=t, floor=3).quote_id is None
    assert Thread.objects.get(pk=t.pk).post_count == 3
