"""Sessions are read from Redis and checked against PostgreSQL in the user's query (Django's cached_db,
accounts/backends.py): a signed-in page reads neither the session row nor the groups on its own."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from redis import Redis

from accounts.notifications import notify
from accounts.roles import CORE_TESTERS
from tests.forum.factories import fan

pytestmark = pytest.mark.django_db


def _sql(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_signed_in_page_reads_the_user_groups_and_unread_count_in_one_query_and_no_session_row(client):
    reader = fan()
    reader.groups.add(Group.objects.get(name=CORE_TESTERS))
    notify([reader], "reply", "hello", "/")
    client.force_login(reader)
    client.get("/forum/")  # the session's first request records the day's activity
    response, sql = _sql(client, "/forum/")
    assert response.status_code == 200
    assert not [s for s in sql if s.startswith('SELECT "django_session"')]
    user_queries = [s for s in sql if s.startswith('SELECT u."id", u."password"')]
    assert len(user_queries) == 1 and "django_session" in user_queries[0] and "auth_group" in user_queries[0]
    assert not [s for s in sql if "accounts_notification" in s and s not in user_queries]
    page = response.content.decode()
    assert 'class="badge"' in page and ">1</span>" in page  # the unread count, from the user's row
    assert "/forum/b/beta/" in page  # the group, from the same row: the private beta board is listed


def test_a_sign_out_whose_cache_delete_was_lost_still_signs_out(client):
    """The row is deleted but Redis keeps its copy (as when Redis was unreachable at the sign-out)."""
    client.force_login(fan())
    assert client.get(reverse("settings")).status_code == 200
    key = client.cookies["sessionid"].value
    assert caches["sessions"].get(SessionStore.cache_key_prefix + key) is not None
    Session.objects.filter(session_key=key).delete()
    response = client.get(reverse("settings"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert caches["sessions"].get(SessionStore.cache_key_prefix + key) is None  # the stale copy is dropped too


def test_the_cached_copy_lives_at_most_five_minutes(client):
    client.force_login(fan())
    client.get("/forum/")
    store = SessionStore(client.cookies["sessionid"].value)
    redis = Redis.from_url(settings.CACHES["sessions"]["LOCATION"])
    ttl = redis.ttl(caches["sessions"].make_key(store.cache_key))
    assert 0 < ttl <= 300


@pytest.mark.parametrize(
    "old_path", ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"]
)
def test_sessions_signed_in_with_the_previous_backends_stay_signed_in(client, old_path):
    reader = fan()
    store = SessionStore()
    store[SESSION_KEY] = str(reader.pk)
    store[BACKEND_SESSION_KEY] = old_path
    store[HASH_SESSION_KEY] = reader.get_session_auth_hash()
    store.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    assert client.get(reverse("settings")).status_code == 200
    assert SessionStore(store.session_key).load()[BACKEND_SESSION_KEY].startswith("accounts.backends.")
