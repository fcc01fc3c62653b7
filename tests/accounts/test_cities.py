import pytest

from accounts.models import City


@pytest.mark.django_db
def test_cities_cover_every_province():
    assert City.objects.values("province").distinct().count() == 31
