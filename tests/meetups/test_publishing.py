import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import City, Notification
from forum.models import Thread
from meetups import publishing
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration
from meetups.proposals import approve_proposal, propose_meetup, reject_proposal
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.helpers import wait_until
from tests.meetups.factories import MeetupFactory, event_staff, make_fans


@pytest.mark.django_db(transaction=True)
def test_publish_posts_two_threads_and_notifies_the_citys_fans_in_batches(celery_worker, monkeypatch, mailoutbox):
    monkeypatch.setattr(publishing, "NOTIFY_BATCH", 3)
    staff = event_staff()
    fans = make_fans(7, prefix="sz")
    elsewhere = make_fans(2, prefix="bj", city_slug="beijing")
    meetup = MeetupFactory(status=Meetup.Status.DRAFT)
    publishing.publish_meetup(staff, meetup)
    meetup.refresh_from_db()
    assert meetup.status == Meetup.Status.PUBLISHED
    announcement = Thread.objects.get(pk=meetup.announcement_thread_id)
    city_thread = Thread.objects.get(pk=meetup.city_thread_id)
    assert announcement.board.slug == "announcements" and city_thread.board.city.slug == "shenzhen"
    assert meetup.get_absolute_url() in announcement.posts.get(floor=1).body
    group = f"meetup:{meetup.pk}"
    wait_until(lambda: Notification.objects.filter(group=group).count() == 7 + 1)  # 7 fans + staff (Shenzhen)
    assert not Notification.objects.filter(recipient__in=elsewhere).exists()
    # Running the announcement again notifies nobody twice.
    from meetups.tasks import notify_fans_batch

    assert notify_fans_batch(meetup.pk, [f.pk for f in fans]) == 0


@pytest.mark.django_db
def test_publish_needs_event_staff_a_draft_and_the_details():
    meetup = MeetupFactory(status=Meetup.Status.DRAFT, venue="")
    with pytest.raises(PermissionDenied):
        publishing.publish_meetup(UserFactory(), meetup)
    with pytest.raises(RegistrationError, match="venue"):
        publishing.publish_meetup(event_staff(), meetup)
    with pytest.raises(RegistrationError, match="Only a draft"):
        publishing.publish_meetup(event_staff(), MeetupFactory())
    assert Meetup.objects.get(pk=meetup.pk).status == Meetup.Status.DRAFT


@pytest.mark.django_db
def test_fan_proposal_is_approved_published_in_the_city_board_and_uses_registration(django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    fan = UserFactory(city=City.objects.get(slug="chengdu"))
    meetup = propose_meetup(
        fan,
        title="成都茶馆聚会",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        venue="茶馆",
        address="锦江区 1 号",
        capacity=30,
    )
    assert (meetup.kind, meetup.status, meetup.approval, meetup.city.slug) == ("fan", "draft", "pending", "chengdu")
    with pytest.raises(RegistrationError, match="not published"):
        register_for_meetup(UserFactory(), meetup)
    approve_proposal(event_staff(), meetup)
    meetup.refresh_from_db()
    assert meetup.status == Meetup.Status.PUBLISHED and meetup.city_thread_id and not meetup.announcement_thread_id
    assert register_for_meetup(UserFactory(), meetup).state == Registration.State.CONFIRMED


@pytest.mark.django_db
def test_rejected_proposal_is_cancelled():
    import datetime

    from django.utils import timezone

    fan = UserFactory()
    meetup = propose_meetup(
        fan, title="t", starts_at=timezone.now() + datetime.timedelta(days=20), venue="v", address="a"
    )
    reject_proposal(event_staff(), meetup, "场地不合适")
    meetup.refresh_from_db()
    assert (meetup.status, meetup.approval) == ("cancelled", "rejected")
    assert Notification.objects.filter(recipient=fan).count() == 1


@pytest.mark.django_db
def test_a_proposal_needs_a_home_city_and_a_date_a_week_ahead():
    import datetime

    from django.utils import timezone

    with pytest.raises(RegistrationError, match="home city"):
        propose_meetup(
            UserFactory(city=None),
            title="t",
            starts_at=timezone.now() + datetime.timedelta(days=20),
            venue="v",
            address="a",
        )
    with pytest.raises(RegistrationError, match="one week"):
        propose_meetup(
            UserFactory(), title="t", starts_at=timezone.now() + datetime.timedelta(days=2), venue="v", address="a"
        )
    assert not Meetup.objects.exists()


def _publish_without_notifying(meetup):
    """Publish and post the threads (the fans' notifications are queued and not run here)."""
    staff = event_staff(language="en")
    publishing.publish_meetup(staff, meetup)
    meetup.refresh_from_db()
    return staff


@pytest.mark.django_db
def test_the_announcement_is_in_chinese_with_a_real_link():
    from django.conf import settings

    from forum.models import Post

    meetup = MeetupFactory(status=Meetup.Status.DRAFT, city=City.objects.get(slug="chengdu"), title="茶馆见")
    _publish_without_notifying(meetup)
    thread = Thread.objects.get(pk=meetup.announcement_thread_id)
    body = Post.objects.get(thread=thread, floor=1).body
    url = settings.SITE_URL + meetup.get_absolute_url()
    assert thread.title == "官方见面会：茶馆见"
    assert body.startswith("成都见面会来啦！") and "时间：" in body and "名额：40（先到先得）" in body
    assert f"**[在见面会页面报名]({url})**" in body
    assert "Register" not in body and "A meetup" not in body


@pytest.mark.django_db
def test_editing_a_published_meetup_in_the_admin_rewrites_its_announcements(client):
    from forum.models import Post
    from tests.meetups.test_capacity import _form_data

    meetup = MeetupFactory(status=Meetup.Status.DRAFT, agenda="旧的安排")
    staff = _publish_without_notifying(meetup)
    client.force_login(staff)
    url = reverse("admin:meetups_meetup_change", args=[meetup.pk])
    data = _form_data(client.get(url), meetup)
    data.update(title="新标题", venue="新场地", agenda="新的安排", capacity=45)
    response = client.post(url, data)
    assert response.status_code == 302
    for thread_id in (meetup.announcement_thread_id, meetup.city_thread_id):
        thread = Thread.objects.get(pk=thread_id)
        first = Post.objects.get(thread=thread, floor=1)
        assert thread.title == "官方见面会：新标题" and "新场地" in first.body
        assert "新的安排" in first.body and "旧的安排" not in first.body and "45" in first.body
        assert first.edited_at and Post.objects.filter(thread=thread).count() == 1  # no reply for an edit
    # Saving the same form again changes nothing, and leaves the posts alone.
    edited = Post.objects.get(thread_id=meetup.announcement_thread_id, floor=1).edited_at
    assert client.post(url, data).status_code == 302
    assert Post.objects.get(thread_id=meetup.announcement_thread_id, floor=1).edited_at == edited
