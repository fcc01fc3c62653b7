"""Register the meetups' periodic tasks with django-celery-beat, so staff can change them in the admin.

The scheduler runs every Monday; the task creates at most one meetup per fortnight (a unique key),
so the second Monday of each fortnight does nothing: meetups come every other Monday.
"""

import json

from django.db import migrations

TASKS = [
    # (name, task, minute, hour, day_of_week)
    ("Meetups: nightly city ranking", "meetups.tasks.snapshot_cities", "30", "2", "*"),
    ("Meetups: schedule the fortnightly meetup", "meetups.tasks.schedule_meetup", "0", "9", "1"),
    ("Meetups: reminders for tomorrow", "meetups.tasks.send_reminders", "0", "10", "*"),
    ("Meetups: mark no-shows after meetups", "meetups.tasks.finish_meetups", "15", "*", "*"),
]


def add(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=day_of_week, day_of_month="*", month_of_year="*",
            timezone="Asia/Shanghai")
        PeriodicTask.objects.get_or_create(name=name, defaults={
            "task": task, "crontab": crontab, "args": json.dumps([]), "kwargs": json.dumps({}), "enabled": True})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetups", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(add, remove)]
