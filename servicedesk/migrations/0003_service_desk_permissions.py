"""Give the Service desk group the desk's models in the admin (the group itself comes from accounts)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "view_ticket", "change_ticket",
    "view_rule", "add_rule", "change_rule", "delete_rule",
    "view_desksettings", "change_desksettings",
]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so they can be granted.
    app_config = apps.get_app_config("servicedesk")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Service desk")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="servicedesk", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Service desk").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="servicedesk", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0002_beat_schedule"),
        ("accounts", "0003_service_desk_group"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
