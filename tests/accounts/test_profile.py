import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.activity import record_activity
from accounts.models import City, DailyActivity, Notification, NotificationKind, User
from accounts.notifications import notify
from tests.factories import UserFactory


@pytest.fixture
def fan(client):
    user = UserFactory(username="mifan", display_name="米粉", bio="爱折腾")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_profile_page_shows_name_city_and_bio(client, django_assert_max_num_queries):
    UserFactory(username="mifan", display_name="米粉", bio="爱折腾")
    with django_assert_max_num_queries(3):
        response = client.get("/u/mifan/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "米粉" in body and "爱折腾" in body and "深圳" in body


@pytest.mark.django_db
def test_settings_change_city_language_and_email_choices(client, fan):
    response = client.post(
        reverse("settings"),
        {
            "display_name": "新名字",
            "city": "北京",
            "bio": "",
            "language": "en",
            "email_kinds": ["reply"],
        },
    )

    assert response.status_code == 302
    fan.refresh_from_db()
    assert fan.city == City.objects.get(slug="beijing")
    assert fan.language == "en"
    assert fan.wants_email("reply") and not fan.wants_email("mention")
    assert response.cookies["django_language"].value == "en"


@pytest.mark.django_db
def test_settings_rejects_an_unknown_city_and_keeps_the_old_one(client, fan):
    response = client.post(reverse("settings"), {"display_name": "x", "city": "Atlantis", "language": ""})

    assert response.status_code == 200
    assert "我们不认识城市" in response.content.decode()
    fan.refresh_from_db()
    assert fan.city.slug == "shenzhen" and fan.display_name == "米粉"


@pytest.mark.django_db
def test_preferred_language_applies_when_no_language_cookie_is_set(client, fan):
    fan.language = "en"
    fan.save()
    assert "Notifications" in client.get("/").content.decode()


@pytest.mark.django_db
def test_deleting_an_account_removes_personal_data(client, fan):
    record_activity(fan)
    response = client.post(reverse("delete_account"), {"confirm": "mifan"})

    assert response.status_code == 302
    fan.refresh_from_db()
    assert fan.deleted_at and not fan.is_active
    assert (fan.email, fan.display_name, fan.bio, fan.city) == ("", "", "", None)
    assert str(fan) == "已注销用户" or str(fan) == "deleted user"
    assert not EmailAddress.objects.filter(user=fan).exists()
    assert not DailyActivity.objects.filter(user=fan).exists()
    assert client.get("/u/mifan/").status_code == 404
    assert client.get(reverse("settings")).status_code == 302


@pytest.mark.django_db
def test_delete_needs_the_username_typed(client, fan):
    response = client.post(reverse("delete_account"), {"confirm": "someone"})
    assert response.status_code == 200
    fan.refresh_from_db()
    assert fan.deleted_at is None


@pytest.mark.django_db
def test_a_fan_downloads_their_own_data_as_json(client, fan):
    record_activity(fan)
    response = client.get(reverse("export_data"))

    data = json.loads(response.content)
    assert response["Content-Type"].startswith("application/json")
    assert data["profile"]["username"] == "mifan"
    assert data["profile"]["bio"] == "爱折腾"
    assert data["email_addresses"][0]["email"] == "mifan@example.com"
    assert len(data["active_days"]) == 1


@pytest.mark.django_db
def test_activity_is_written_once_a_day_however_many_pages(client, fan, django_assert_num_queries):
    client.get("/")
    client.get("/u/mifan/")
    client.get(reverse("settings"))

    assert DailyActivity.objects.filter(user=fan).count() == 1
    fan.refresh_from_db()
    assert fan.last_active_on is not None


@pytest.mark.django_db
def test_notifications_count_in_navigation_and_mark_read(client, fan):
    other = UserFactory()
    notify([fan], "mention", "有人提到了你", "/u/mifan/")
    notify([other], "mention", "not for mifan", "/")

    assert '<span class="badge"' in client.get("/").content.decode()
    page = client.get(reverse("notifications")).content.decode()
    assert "有人提到了你" in page and "not for mifan" not in page
    client.post(reverse("notifications_read"))
    assert not Notification.objects.filter(recipient=fan, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_opening_someone_elses_notification_is_404(client, fan):
    other = UserFactory()
    [notification] = notify([other], "mention", "private", "/")
    assert client.get(reverse("notification_open", args=[notification.pk])).status_code == 404


@pytest.mark.django_db
def test_user_admin_searches_by_email_name_and_city(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    UserFactory(username="bjfan", display_name="京城粉", city=City.objects.get(slug="beijing"))
    client.force_login(admin)
    for q in ["bjfan@example.com", "京城粉", "北京"]:
        response = client.get("/admin/accounts/user/", {"q": q})
        assert "bjfan" in response.content.decode(), q
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_a_notification_text_function_is_rendered_in_each_recipients_language():
    from django.utils.translation import gettext as _

    chinese, english = UserFactory(language="zh-hans"), UserFactory(language="en")
    notify([chinese, english], "reply", lambda: _("Notifications"), "/")

    assert Notification.objects.get(recipient=chinese).text == "通知"
    assert Notification.objects.get(recipient=english).text == "Notifications"


@pytest.mark.django_db
@pytest.mark.parametrize(("is_staff", "groups", "offered"), [(True, [], False), (False, ["Service desk"], True)])
def test_desk_notices_are_offered_to_the_desk_not_to_is_staff(client, is_staff, groups, offered):
    user = UserFactory(is_staff=is_staff)
    user.groups.add(*Group.objects.filter(name__in=groups))
    client.force_login(user)
    body = client.get(reverse("settings")).content.decode()
    assert (f'value="{NotificationKind.STAFF}"' in body) is offered
