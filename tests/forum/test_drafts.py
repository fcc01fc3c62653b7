import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from forum.models import Board, Draft
from forum.writing import drafts, limits
from tests.forum.factories import board, fan, thread

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_draft_saved_in_one_session_is_restored_in_another():
    writer, t = fan(), thread()
    url = f"/forum/t/{t.pk}/draft/"
    phone, laptop = _client(writer), _client(writer)
    nothing = phone.get(url)
    assert nothing.status_code == 204 and nothing.content == b""  # nothing yet: not an error
    assert phone.post(url, {"body": "我的手机\r\n屏幕闪烁"}).status_code == 200
    response = laptop.get(url)
    assert response.status_code == 200
    assert response.json()["body"] == "我的手机\n屏幕闪烁"
    laptop.post(url, {"body": "改过了"})
    assert phone.get(url).json()["body"] == "改过了"
    assert Draft.objects.filter(user=writer).count() == 1


def test_another_fan_can_neither_read_nor_change_a_draft():
    writer, other, t = fan(), fan(), thread()
    url = f"/forum/t/{t.pk}/draft/"
    _client(writer).post(url, {"body": "secret words"})
    intruder = _client(other)
    assert intruder.get(url).status_code == 204  # their own (none), never the writer's
    intruder.post(url, {"body": "overwritten?"})
    assert Draft.objects.get(user=writer).body == "secret words"
    assert intruder.get(url).json()["body"] == "overwritten?"  # their own, apart
    assert Client().get(url).status_code == 302  # signed out: to the login page


def test_drafts_of_a_board_the_fan_cannot_see_are_404():
    beta = Board.objects.get(kind="beta")
    client = _client(fan())
    assert client.post(f"/forum/b/{beta.slug}/draft/", {"title": "x", "body": "y"}).status_code == 404
    assert client.get(f"/forum/b/{beta.slug}/draft/").status_code == 404
    assert not Draft.objects.exists()


def test_a_draft_is_dropped_when_the_reply_is_posted():
    writer, t = fan(), thread()
    client = _client(writer)
    client.post(f"/forum/t/{t.pk}/draft/", {"body": "almost ready"})
    response = client.post(f"/forum/t/{t.pk}/reply/", {"body": "almost ready"})
    assert response.status_code == 302
    assert not Draft.objects.filter(user=writer).exists()
    # A save still on its way when the form was sent does not bring the draft back.
    assert client.post(f"/forum/t/{t.pk}/draft/", {"body": "almost ready"}).status_code == 204
    assert not Draft.objects.exists()


def test_a_new_thread_draft_keeps_the_title_and_goes_with_the_thread():
    writer = fan()
    general = board()
    client = _client(writer)
    client.post(f"/forum/b/{general.slug}/draft/", {"title": "蓝牙断连", "body": "耳机总是断"})
    assert _client(writer).get(f"/forum/b/{general.slug}/draft/").json()["title"] == "蓝牙断连"
    response = client.post(f"/forum/b/{general.slug}/new/", {"title": "蓝牙断连", "body": "耳机总是断"})
    assert response.status_code == 302
    assert not Draft.objects.exists()


def test_draft_size_and_rate_limits():
    writer, t = fan(), thread()
    client = _client(writer)
    url = f"/forum/t/{t.pk}/draft/"
    assert client.post(url, {"body": "x" * (limits.MAX_BODY + 1)}).status_code == 400
    assert client.post(url, {"body": "a\x00b"}).status_code == 400
    assert not Draft.objects.exists()
    codes = [client.post(url, {"body": f"draft {n}"}).status_code for n in range(drafts.SAVES_PER_MINUTE + 1)]
    assert codes[-1] == 429 and set(codes[:-1]) == {200}


def test_an_emptied_form_drops_the_draft():
    writer, t = fan(), thread()
    client = _client(writer)
    client.post(f"/forum/t/{t.pk}/draft/", {"body": "something"})
    assert client.post(f"/forum/t/{t.pk}/draft/", {"body": "  "}).status_code == 204
    assert not Draft.objects.exists()


def test_old_drafts_are_purged():
    writer, t = fan(), thread()
    drafts.save_draft(writer, "old", thread=t)
    drafts.save_draft(writer, "new", board=board())
    Draft.objects.filter(thread=t).update(updated_at=timezone.now() - datetime.timedelta(days=31))
    assert drafts.purge_old_drafts() == 1
    assert list(Draft.objects.values_list("body", flat=True)) == ["new"]


def test_drafts_are_exported_and_erased_with_the_account():
    writer, t = fan(), thread()
    drafts.save_draft(writer, "unsent words", thread=t)
    assert export_personal_data(writer)["forum_drafts"][0]["body"] == "unsent words"
    delete_account(writer)
    assert not Draft.objects.exists()


def test_the_thread_page_makes_no_query_for_the_draft(client, django_assert_max_num_queries):
    writer, t = fan(), thread()
    drafts.save_draft(writer, "kept for later", thread=t)
    client.force_login(writer)
    client.get(t.get_absolute_url())  # warm the fragment cache
    with django_assert_max_num_queries(16) as captured:
        response = client.get(t.get_absolute_url())
    assert response.status_code == 200
    assert not any("forum_draft" in q["sql"] for q in captured.captured_queries)
    assert "kept for later" not in response.content.decode()  # the script fetches it
    assert f"/forum/t/{t.pk}/draft/" in response.content.decode()
