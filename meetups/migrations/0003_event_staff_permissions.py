"""Give the Event staff group the meetups permissions (the group itself comes from accounts)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "view_meetup", "add_meetup", "change_meetup", "delete_meetup",
    "view_registration", "change_registration",
    "view_citysnapshot",
    "view_schedulersettings", "change_schedulersettings",
]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so they can be granted.
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
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="meetups",
                                                            codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("meetups", "0002_beat_schedule"),
        ("accounts", "0002_load_cities_and_staff_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
