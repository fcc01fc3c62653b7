"""Device tags (机型): a fan picks the phones they use from the list staff keep, and a main one."""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from community.models import Device, FanDevice
from community.permissions import may_take_part

MAX_DEVICES = 5


def offered():
    return Device.objects.filter(is_active=True)


_NAMES_KEY = "community:device-names"


def device_names() -> tuple[str, ...]:
    """The names of the devices offered, for the feedback filters (cached five minutes; staff's
    changes in the admin clear it)."""
    names = cache.get(_NAMES_KEY)
    if names is None:
        names = tuple(offered().values_list("name", flat=True))
        cache.set(_NAMES_KEY, names, 300)
    return tuple(names)


def forget_names() -> None:
    cache.delete(_NAMES_KEY)


def devices_of(user: User) -> list[FanDevice]:
    return list(FanDevice.objects.filter(user=user).select_related("device").order_by("-is_main", "device__position"))


def set_devices(user: User, device_ids: list[int], main_id: int | None, versions: dict[int, str] | None = None) -> None:
    """Replace the fan's devices with `device_ids` (offered ones), `main_id` among them as the main one."""
    if not may_take_part(user):
        raise PermissionDenied
    ids = list(dict.fromkeys(device_ids))
    if len(ids) > MAX_DEVICES:
        raise ValidationError({"devices": _("Choose at most %(n)d devices.") % {"n": MAX_DEVICES}})
    known = set(offered().filter(pk__in=ids).values_list("pk", flat=True))
    if set(ids) - known:
        raise ValidationError({"devices": _("Choose devices from the list.")})
    if main_id is not None and main_id not in known:
        raise ValidationError({"main": _("Your main device must be one of the devices you chose.")})
    if main_id is None and ids:
        main_id = ids[0]
    versions = versions or {}
    with transaction.atomic():
        FanDevice.objects.filter(user=user).delete()
        FanDevice.objects.bulk_create(
            [
                FanDevice(user=user, device_id=pk, is_main=pk == main_id, system_version=versions.get(pk, "")[:40])
                for pk in ids
            ]
        )


def main_device(user: User) -> FanDevice | None:
    """The fan's main device (with its system version): what a new feedback thread carries."""
    if not user.is_authenticated:
        return None
    return FanDevice.objects.filter(user=user, is_main=True).select_related("device").first()
