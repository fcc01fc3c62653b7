"""A fan's own data: exported as JSON, erased when the account is deleted.

Every app adds its part of the export through settings.PERSONAL_DATA_EXPORTS and erases what it
stores through settings.PERSONAL_DATA_ERASERS (dotted paths of `(user) -> None`, called by
accounts.deletion.delete_account in the deletion's transaction); this module is the accounts app's
part of both.
"""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import DailyActivity, Notification, User


def accounts_data(user: User) -> dict:
    return {
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "home_city": str(user.city) if user.city else None,
            "bio": user.bio,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "muted_emails": user.muted_emails,
        },
        "email_addresses": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "active_days": [
            d.isoformat() for d in DailyActivity.objects.filter(user=user).order_by("day").values_list("day", flat=True)
        ],
    }


def export_personal_data(user: User) -> dict:
    data = {}
    for path in settings.PERSONAL_DATA_EXPORTS:
        data.update(import_string(path)(user))
    return data


def erase_accounts_data(user: User) -> None:
    """Addresses, linked sign-ins, active days and notifications; the profile fields are blanked by
    delete_account itself."""
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    DailyActivity.objects.filter(user=user).delete()
    Notification.objects.filter(recipient=user).delete()


def erase_personal_data(user: User) -> None:
    """Every app's eraser, in the order of settings.PERSONAL_DATA_ERASERS. Call inside a transaction."""
    for path in settings.PERSONAL_DATA_ERASERS:
        import_string(path)(user)
