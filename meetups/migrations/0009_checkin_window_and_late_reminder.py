"""The door's check-in window (SchedulerSettings) and the reminder to confirm a late seat (beat every 5 minutes)."""

import json

import django.core.validators
from django.db import migrations, models

NAME = "Meetups: remind fans to confirm a late seat"


def add_beat(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/5", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "meetups.tasks.remind_unconfirmed_seats",
            "crontab": crontab,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "enabled": True,
        },
    )


def remove_beat(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetups", "0008_release_unconfirmed_beat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="late_reminded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reminded to confirm at"),
        ),
        migrations.AddField(
            model_name="schedulersettings",
            name="checkin_closes_hours",
            field=models.PositiveIntegerField(
                default=2,
                validators=[django.core.validators.MaxValueValidator(72)],
                verbose_name="check-in closes (hours after the end)",
            ),
        ),
        migrations.AddField(
            model_name="schedulersettings",
            name="checkin_opens_hours",
            field=models.PositiveIntegerField(
                default=2,
                validators=[django.core.validators.MaxValueValidator(72)],
                verbose_name="check-in opens (hours before the start)",
            ),
        ),
        migrations.RunPython(add_beat, remove_beat),
    ]
