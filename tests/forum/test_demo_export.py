import pytest
from django.core.management import call_command

from accounts.export import export_personal_data
from forum.models import Thread
from tests.forum.factories import fan, reply, thread

pytestmark = pytest.mark.django_db


def test_demo_data_loads_forum_threads_and_is_idempotent():
    call_command("demo_data")
    count = Thread.objects.count()
    assert count >= 7
    assert Thread.objects.filter(status="acknowledged", official_post__isnull=False).exists()
    call_command("demo_data")
    assert Thread.objects.count() == count


def test_personal_data_export_holds_the_fans_forum_posts():
    author = fan()
    t = thread(author, title="Mine", body="my words")
    reply(author, t, "more words")
    data = export_personal_data(author)
    assert [p["body"] for p in data["forum"]["posts"]] == ["my words", "more words"]
    assert data["forum"]["threads"][0]["title"] == "Mine"
    assert data["forum"]["watching"] == [t.pk]
