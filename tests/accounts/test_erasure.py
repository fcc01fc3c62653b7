"""Erasure mirrors export: every app that exports a fan's data also erases it on account deletion."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.activity import record_activity
from accounts.deletion import delete_account
from accounts.models import DailyActivity, Notification
from accounts.notifications import notify
from tests.factories import UserFactory


def _apps(paths: list[str]) -> set[str]:
    return {path.split(".")[0] for path in paths}


def test_every_app_that_exports_personal_data_registers_an_eraser():
    assert _apps(settings.PERSONAL_DATA_EXPORTS) == _apps(settings.PERSONAL_DATA_ERASERS)


@pytest.mark.django_db
def test_deletion_erases_addresses_activity_and_notifications():
    fan = UserFactory()
    record_activity(fan)
    notify([fan], "mention", lambda: "hello", "/")
    assert Notification.objects.filter(recipient=fan).exists()

    delete_account(fan)

    assert not EmailAddress.objects.filter(user=fan).exists()
    assert not DailyActivity.objects.filter(user=fan).exists()
    assert not Notification.objects.filter(recipient=fan).exists()
