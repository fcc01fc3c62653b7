"""Register the service desk's periodic tasks with django-celery-beat (staff can change them in the admin)."""

import json

from django.db import migrations

TASKS = [
    # (name, task, minute, hour)
    ("Service desk: triage feedback the queue missed", "servicedesk.tasks.triage_missed", "*/5", "*"),
    ("Service desk: weekly activity rate", "servicedesk.tasks.snapshot_activity", "45", "2"),
]


def add(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Asia/Shanghai")
        PeriodicTask.objects.get_or_create(name=name, defaults={
            "task": task, "crontab": crontab, "args": json.dumps([]), "kwargs": json.dumps({}), "enabled": True})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0001_rules_tickets_activity"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(add, remove)]
