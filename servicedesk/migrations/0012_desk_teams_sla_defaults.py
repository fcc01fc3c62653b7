"""The desk group edits teams, tags, targets, business hours and holidays in the admin; default targets per
priority and Monday-to-Friday hours; the service level check every minute (django-celery-beat)."""

import datetime
import json

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "view_team", "add_team", "change_team", "delete_team",
    "view_tag", "add_tag", "change_tag", "delete_tag",
    "view_slatarget", "change_slatarget",
    "view_businesshours", "add_businesshours", "change_businesshours", "delete_businesshours",
    "view_holiday", "add_holiday", "change_holiday", "delete_holiday",
    "view_slaevent", "view_ticketnote",
]
NAME = "Service desk: service level alerts and breaches"
# priority: (first answer, solution, warn before) in business minutes
TARGETS = {1: (240, 2 * 8 * 60, 30), 2: (30, 8 * 60, 10)}


def add(apps, schema_editor):
    app_config = apps.get_app_config("servicedesk")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Service desk")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="servicedesk", codename__in=CODENAMES))
    SlaTarget = apps.get_model("servicedesk", "SlaTarget")
    for priority, (response, resolution, warn) in TARGETS.items():
        SlaTarget.objects.get_or_create(
            priority=priority,
            defaults={"response_minutes": response, "resolution_minutes": resolution, "warn_minutes": warn},
        )
    SlaTarget.objects.filter(priority=2).update(around_the_clock=True)
    BusinessHours = apps.get_model("servicedesk", "BusinessHours")
    if not BusinessHours.objects.exists():
        BusinessHours.objects.bulk_create(
            BusinessHours(weekday=day, opens=datetime.time(9), closes=datetime.time(18)) for day in range(5)
        )
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "servicedesk.tasks.check_service_levels",
            "interval": every_minute,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "enabled": True,
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0011_teams_notes_tags_views_sla"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(add, remove)]
