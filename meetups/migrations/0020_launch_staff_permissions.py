"""Event staff create and run large events and see their sign-ups (view only: the allocator writes them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_launch", "add_launch", "change_launch", "view_signup"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("meetups")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Event staff")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="meetups", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Event staff").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="meetups", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("meetups", "0019_large_events")]

    operations = [migrations.RunPython(grant, revoke)]
