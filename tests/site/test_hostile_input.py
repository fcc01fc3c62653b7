"""Hostile input never gives a 500 or a half-written row.

First the 500s a probe found (one test each), then Hypothesis throwing arbitrary text, NUL bytes,
huge numbers and non-ASCII digits at every query parameter and form of the forum, accounts,
meetups and service desk, signed in as a fan and as staff.
"""

from dataclasses import dataclass
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fancity.lib.params import int_param, page_param, safe_next
from forum.models import Post, Thread
from meetups.models import Registration
from tests.forum.factories import fan, reply, staff, thread
from tests.meetups.factories import MeetupFactory

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
def test_a_nul_byte_in_a_form_is_a_form_error_that_keeps_the_fans_text(client):
    meetup = MeetupFactory(question="Why?")
    client.force_login(fan())
    response = client.post(
        f"/meetups/{meetup.pk}/register/", {"answer": "a\x00b"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400  # the meetup page again, with the form and its error
    assert "Null characters are not allowed." in response.content.decode()
    assert not Registration.objects.exists()
    t = thread()
    response = client.post(f"/forum/t/{t.pk}/reply/", {"body": "我的回复\x00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "我的回复" in response.content.decode()
    assert Post.objects.filter(thread=t).count() == 1


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


# --- Hypothesis: every query parameter and form, as a fan and as staff ----------------------------

# What a probe throws: any text (NUL and control characters included), huge and negative numbers,
# digits that are not ASCII, values that look like ids, paths, URLs or view names.
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(max_size=400),
    st.sampled_from(
        ["", "\x00", "a\x00b", "²", "٣", "１２", "99999999999999999999", "-1", "0", "1e9", " 7", "1_000", "NaN"]
        + ["https://other.example/", "//other.example/", "forum:index", "notifications", "/\\other.example"]
        + ["<script>alert(1)</script>", "'; DROP TABLE forum_post; --", "%00", "[" * 300, "长" * 30_000]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet="0123456789²³¹٠١٢٣٤٥٦٧٨٩０１２", min_size=1, max_size=25),
)


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: str  # formatted with the world's ids
    fields: tuple[str, ...] = ()
    staff_only: bool = False

    def __str__(self):
        return f"{self.method} {self.url}"


FORUM = [
    Endpoint("GET", "/forum/", ("page",)),
    Endpoint("GET", "/forum/search/", ("q", "board", "page", "author", "since", "until", "sort", "thread")),
    Endpoint("GET", "/forum/b/general/", ("page", "status", "kind", "sort")),
    Endpoint("GET", "/forum/b/feedback/", ("page", "status", "kind", "sort")),
    Endpoint("GET", "/forum/b/general/feed.atom", ("page",)),
    Endpoint("POST", "/forum/b/general/new/", ("title", "body", "preview")),
    Endpoint("POST", "/forum/b/feedback/new/", ("title", "body", "feedback_kind", "device_model", "software_version")),
    Endpoint("GET", "/forum/t/{thread}/", ("page", "quote")),
    Endpoint("GET", "/forum/t/{thread}/unread/", ("page",)),
    Endpoint("POST", "/forum/t/{thread}/reply/", ("body", "quote", "official", "preview")),
    Endpoint("POST", "/forum/t/{feedback}/reply/", ("body", "quote", "official")),
    Endpoint("POST", "/forum/t/{thread}/watch/", ("on",)),
    Endpoint("POST", "/forum/t/{feedback}/me-too/", ("on",)),
    Endpoint("POST", "/forum/t/{feedback}/status/", ("status", "note", "duplicate_of"), staff_only=True),
    Endpoint("POST", "/forum/t/{thread}/moderate/", ("action", "board"), staff_only=True),
    Endpoint("GET", "/forum/p/{post}/", ("page",)),
    Endpoint("POST", "/forum/p/{own_post}/edit/", ("title", "body", "preview")),
    Endpoint("POST", "/forum/p/{post}/like/", ("on",)),
    Endpoint("POST", "/forum/p/{staff_post}/official/", ("x",), staff_only=True),
    Endpoint("POST", "/forum/p/{post}/report/", ("reason",)),
    Endpoint("POST", "/forum/p/{post}/hide/", ("reason",), staff_only=True),
    Endpoint("POST", "/forum/p/{post}/ban/", ("reason", "duration"), staff_only=True),
    Endpoint("GET", "/forum/t/{thread}/", ("op", "after", "before", "floor")),
    Endpoint("POST", "/forum/t/{thread}/draft/", ("body", "title")),
    Endpoint("POST", "/forum/b/general/draft/", ("body", "title")),
    Endpoint("POST", "/forum/t/{thread}/bookmark/", ("on", "next")),
    Endpoint("GET", "/forum/bookmarks/", ("before",)),
    Endpoint("GET", "/forum/u/{username}/posts/", ("before",)),
    Endpoint("GET", "/forum/u/{username}/threads/", ("before",)),
    Endpoint("GET", "/forum/p/{own_post}/versions/", ("page",)),
    Endpoint("POST", "/forum/t/{thread}/restore/", ("reason",), staff_only=True),
]
ACCOUNTS = [
    Endpoint("GET", "/", ("page",)),
    Endpoint("GET", "/u/{username}/", ("page",)),
    Endpoint("POST", "/settings/", ("display_name", "city", "bio", "language", "email_kinds")),
    Endpoint("POST", "/settings/delete/", ("confirm",)),
    Endpoint("GET", "/notifications/", ("page",)),
    Endpoint("POST", "/notifications/read/", ("id", "next")),
    Endpoint("POST", "/i18n/setlang/", ("language", "next")),
    Endpoint("POST", "/accounts/password/reset/", ("email",)),
]
MEETUPS = [
    Endpoint("GET", "/meetups/", ("page", "city")),
    Endpoint("GET", "/meetups/cities/", ("page",)),
    Endpoint("POST", "/meetups/propose/", ("title", "starts_at", "venue", "address", "agenda", "capacity", "question")),
    Endpoint("GET", "/meetups/{meetup}/", ("page",)),
    Endpoint("GET", "/meetups/{meetup}/calendar.ics", ("page",)),
    Endpoint("POST", "/meetups/{meetup}/register/", ("answer",)),
    Endpoint("POST", "/meetups/{meetup}/check-in/", ("code", "confirm", "registration"), staff_only=True),
    Endpoint("GET", "/meetups/{meetup}/check-in/", ("q",), staff_only=True),
    Endpoint("GET", "/meetups/{meetup}/attendees/", ("show", "after"), staff_only=True),
    Endpoint("GET", "/meetups/mine/", ("before",)),
]
SERVICEDESK = [
    Endpoint("GET", "/staff/queue/", ("page",), staff_only=True),
    Endpoint("POST", "/staff/queue/{ticket}/", ("action", "body"), staff_only=True),
    Endpoint("GET", "/staff/insights/", ("city",), staff_only=True),
    Endpoint("GET", "/staff/insights/segments/", ("segment", "city", "after"), staff_only=True),
    Endpoint("GET", "/staff/insights/segments.csv", ("segment", "city"), staff_only=True),
    Endpoint("POST", "/servicedesk/ask/{feedback}/", ("x",)),
    Endpoint("POST", "/servicedesk/rate/", ("post", "message", "helpful", "comment")),
]
ENDPOINTS = FORUM + ACCOUNTS + MEETUPS + SERVICEDESK
EXAMPLES_PER_ENDPOINT = 6
LIST_FIELDS = {"id", "email_kinds"}


@pytest.fixture
def world(db):
    """A fan, a member of staff, and one of everything their pages act on."""
    from servicedesk import triage

    author, member = fan(), staff(is_superuser=True)
    talk = thread(author=author, title="话题", body="正文")
    feedback_thread = thread(author=author, slug="feedback", title="蓝牙断开", body="经常断开", feedback_kind="bug")
    post = reply(author, talk, "回复")
    visitor = fan()
    own = reply(visitor, talk, "我的回复")
    staff_post = reply(member, feedback_thread, "我们在看")
    ticket = triage.triage(feedback_thread.pk)
    ids = {
        "thread": talk.pk,
        "feedback": feedback_thread.pk,
        "post": post.pk,
        "own_post": own.pk,
        "staff_post": staff_post.pk,
        "username": author.username,
        "meetup": MeetupFactory(question="为什么想来？").pk,
        "ticket": ticket.pk if ticket else 0,
    }
    return {"fan": visitor, "staff": member, "ids": ids}


def _counts_agree() -> None:
    """No half-written rows: every counter equals the rows it counts, every thread has its first post."""
    from django.db.models import Count, F, Q

    from meetups.models import Meetup

    assert not Thread.objects.annotate(n=Count("posts")).exclude(post_count=F("n")).exists()
    assert not Thread.objects.exclude(posts__floor=1).exists()
    assert not Post.objects.annotate(n=Count("likes")).exclude(like_count=F("n")).exists()
    assert not Thread.objects.annotate(n=Count("me_toos")).exclude(me_too_count=F("n")).exists()
    confirmed = Count("registrations", filter=Q(registrations__state=Registration.State.CONFIRMED))
    assert not Meetup.objects.annotate(n=confirmed).filter(n__gt=F("capacity")).exists()


def _request(client, endpoint: Endpoint, ids: dict, data: dict):
    url = endpoint.url.format(**ids)
    if endpoint.method == "GET":
        response = client.get(url, data)
    else:
        response = client.post(url, data)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


@st.composite
def hostile_params(draw, fields: tuple[str, ...]) -> dict:
    chosen = draw(st.lists(st.sampled_from(fields), unique=True)) if fields else []
    data = {}
    for name in chosen:
        data[name] = draw(st.lists(HOSTILE, max_size=4)) if name in LIST_FIELDS else draw(HOSTILE)
    if draw(st.booleans()):
        data[draw(st.text(min_size=1, max_size=20))] = draw(HOSTILE)  # a field nobody expects
    return data


@pytest.mark.parametrize("role", ["fan", "staff"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@settings(
    max_examples=EXAMPLES_PER_ENDPOINT,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_parameters_never_give_a_500_or_a_half_written_row(client, world, role, endpoint, data):
    if endpoint.staff_only and role == "fan":
        return  # the staff-only check is tested on its own; here the parameters are
    client.force_login(world[role])
    params = data.draw(hostile_params(endpoint.fields), label="params")
    response = _request(client, endpoint, world["ids"], params)
    assert response.status_code < 500, (endpoint, params)
    _counts_agree()


PATHS_WITH_IDS = [
    "/forum/t/{}/",
    "/forum/t/{}/unread/",
    "/forum/p/{}/",
    "/forum/p/{}/edit/",
    "/forum/p/{}/report/",
    "/meetups/{}/",
    "/meetups/{}/calendar.ics",
    "/meetups/{}/ticket/",
    "/notifications/{}/",
    "/staff/queue/{}/",
    "/servicedesk/ask/{}/",
]


@pytest.mark.parametrize("template", PATHS_WITH_IDS)
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.one_of(st.integers(min_value=0, max_value=10**40).map(str), st.text("0123456789", min_size=1)))
def test_any_number_in_a_path_is_a_page_or_a_404(client, world, template, number):
    client.force_login(world["staff"])
    assert client.get(template.format(number)).status_code in (200, 302, 404)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segment=st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s))
def test_any_text_in_a_path_segment_is_never_a_500(client, world, segment):
    client.force_login(world["fan"])
    for template in ("/u/{}/", "/unsubscribe/{}/", "/forum/b/{}/"):
        response = client.get(template.format(quote(segment, safe="")))
        assert response.status_code in (200, 302, 400, 404)
