"""Deleting an account: personal data goes, posts stay readable as "deleted user"."""

from django.db import transaction
from django.utils import timezone

from accounts.export import erase_personal_data
from accounts.models import User


def delete_account(user: User) -> None:
    """Every app erases what it stores about the fan (settings.PERSONAL_DATA_ERASERS), then the
    account is blanked and closed, all in one transaction: it all goes, or nothing does."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        erase_personal_data(user)
        if name := user.avatar.name:  # the file goes once the deletion is committed
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(name))
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
