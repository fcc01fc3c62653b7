"""The Service desk group: the staff queue, insights and the fans CSV (accounts.roles.SERVICE_DESK).

Until now every `is_staff` account had these powers; now only the group's members and superusers do.
"""

from django.db import migrations

NAME = "Service desk"


def create(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=NAME)


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_load_cities_and_staff_groups")]
    operations = [migrations.RunPython(create, remove)]
