"""A fan's own data as JSON. Other apps add their part through settings.PERSONAL_DATA_EXPORTS."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import DailyActivity, User


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
