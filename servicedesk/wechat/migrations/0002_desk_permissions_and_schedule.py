"""The Service desk group gets the WeChat models in the admin; stale nonces are pruned every 10 minutes."""

import json

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "view_account", "add_account", "change_account",
    "view_menuitem", "add_menuitem", "change_menuitem", "delete_menuitem",
    "view_servicecentre", "add_servicecentre", "change_servicecentre", "delete_servicecentre",
    "view_broadcast", "add_broadcast", "change_broadcast",
    "view_follower", "view_inbound",
]  # fmt: skip
NAME = "WeChat: forget nonces past the replay window"


def grant(apps, schema_editor):
    app_config = apps.get_app_config("wechat")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Service desk")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="wechat", codename__in=CODENAMES))
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "servicedesk.wechat.tasks.prune_nonces",
            "interval": every,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "enabled": True,
        },
    )


def revoke(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Service desk").first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="wechat", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("wechat", "0001_wechat_channel"),
        ("accounts", "0003_service_desk_group"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
