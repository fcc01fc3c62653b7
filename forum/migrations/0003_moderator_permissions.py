from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = [
    "view_board", "view_thread", "change_thread", "view_post", "change_post",
    "view_report", "change_report", "view_statuschange",
]


def grant(apps, schema_editor):
    """Moderators may see the forum in the admin and change threads, posts and reports (not delete them)."""
    app_config = apps.get_app_config("forum")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="forum",
                                                     codename__in=MODERATOR_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [("forum", "0002_create_boards"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
