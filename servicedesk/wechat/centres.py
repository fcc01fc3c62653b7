"""The service-centre directory: the nearest three to a fan's location, and the centres of a city."""

import math

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import City
from servicedesk.wechat.models import ServiceCentre

NEAREST = 3
EARTH_KM = 6371.0088


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest(lat: float, lng: float, count: int = NEAREST) -> list[tuple[ServiceCentre, float]]:
    """The open centres nearest to (lat, lng), with their distance in km (a directory of a few hundred)."""
    centres = ServiceCentre.objects.filter(is_active=True).only(
        "name", "name_en", "address", "address_en", "hours", "phone", "latitude", "longitude"
    )
    ranked = sorted(((c, distance_km(lat, lng, c.latitude, c.longitude)) for c in centres), key=lambda p: p[1])
    return ranked[:count]


def _distance(km: float) -> str:
    return _("%(m)d m") % {"m": round(km * 1000)} if km < 1 else _("%(km).1f km") % {"km": km}


def reply(lat: float | None, lng: float | None) -> str:
    """The passive reply to a location message, in the active language."""
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return _("We could not read that location. Please send it again.")
    found = nearest(lat, lng)
    if not found:
        return _("There is no service centre in our directory yet.")
    lines = [_("The nearest service centres:")]
    for n, (centre, km) in enumerate(found, 1):
        lines.append(f"{n}. {centre.label} · {_distance(km)}\n{centre.address_label}\n{centre.hours}")
        if centre.phone:
            lines[-1] += f" · {centre.phone}"
    return "\n\n".join(lines)


def of_city(city: City) -> QuerySet[ServiceCentre]:
    return ServiceCentre.objects.filter(city=city, is_active=True).order_by("name")


def cities_with_centres() -> QuerySet[City]:
    ids = ServiceCentre.objects.filter(is_active=True).values("city_id")
    return City.objects.filter(pk__in=ids).order_by("id")
