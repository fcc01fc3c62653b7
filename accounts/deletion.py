"""Deleting an account: personal data goes, posts stay readable as "deleted user"."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.utils import timezone

from accounts.models import DailyActivity, Notification, User


def delete_account(user: User) -> None:
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.avatar:
            user.avatar.delete(save=False)
        EmailAddress.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        DailyActivity.objects.filter(user=user).delete()
        Notification.objects.filter(recipient=user).delete()
        user.username = f"deleted-{user.pk}"
        user.email = ""
        user.first_name = user.last_name = ""
        user.display_name = ""
        user.bio = ""
        user.avatar = ""
        user.city = None
        user.language = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.deleted_at = timezone.now()
        user.set_unusable_password()
        user.save()
        user.groups.clear()
