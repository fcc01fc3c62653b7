"""Register a daily run of forum.tasks.ensure_city_boards (club boards for cities added later)."""

import json

from django.db import migrations

NAME = "Forum: club boards for new cities"


def add(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": "forum.tasks.ensure_city_boards", "crontab": crontab, "args": json.dumps([]),
        "kwargs": json.dumps({}), "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("forum", "0005_flush_view_counts_every_minute")]
    operations = [migrations.RunPython(add, remove)]
