import json

from django.contrib.auth.management import create_permissions
from django.db import migrations

# (name, English name, threshold, first-day threads, first-day replies, may message strangers).
# The lowest level keeps the new-fan limits forum/writing/limits.py had before levels existed.
LEVELS = [
    ("初级粉丝", "Newcomer", 0, 3, 10, False),
    ("中级粉丝", "Regular", 50, None, None, True),
    ("高级粉丝", "Enthusiast", 200, None, None, True),
    ("资深粉丝", "Veteran", 1000, None, None, True),
    ("骨灰级粉丝", "Die-hard fan", 5000, None, None, True),
]
# (slug = automatic rule, name, English name, icon, description)
MEDALS = [
    ("first_meetup", "初次见面", "First meetup", "🤝", "Attended a first meetup"),
    ("ten_meetups", "聚会常客", "Ten meetups", "🎉", "Attended ten meetups"),
    ("hundred_replies", "百帖达人", "100 replies", "💬", "Wrote 100 replies"),
    ("first_bug", "捉虫新手", "First confirmed bug", "🐞", "Reported a bug staff confirmed"),
    ("core_tester", "核心测试者", "Core tester", "🧪", "A member of the core testers"),
    ("club_organiser", "同城组织者", "City club organiser", "📣", "Organised a meetup of their city club"),
    ("anniversary", "周年粉丝", "Anniversary", "🎂", "A fan for a year or more"),
]
# (name, slug): staff rename and extend the list in the admin.
DEVICES = [
    ("粉丝手机 15", "fan-phone-15"),
    ("粉丝手机 15 至尊版", "fan-phone-15-ultra"),
    ("粉丝手机 14", "fan-phone-14"),
    ("粉丝手机 14 至尊版", "fan-phone-14-ultra"),
    ("粉丝手机 13", "fan-phone-13"),
    ("粉丝平板 6", "fan-pad-6"),
]
MODERATOR_PERMISSIONS = [
    "view_level", "view_creditentry", "view_standing", "view_checkin", "view_device", "add_device", "change_device",
    "view_medal", "add_medal", "change_medal", "view_medalaward", "view_fandevice",
]


def seed(apps, schema_editor):
    Level = apps.get_model("community", "Level")
    Medal = apps.get_model("community", "Medal")
    Device = apps.get_model("community", "Device")
    for name, name_en, threshold, threads, replies, strangers in LEVELS:
        Level.objects.get_or_create(
            threshold=threshold,
            defaults=dict(
                name=name, name_en=name_en, first_day_threads=threads, first_day_replies=replies,
                may_message_strangers=strangers,
            ),
        )
    for slug, name, name_en, icon, description in MEDALS:
        Medal.objects.get_or_create(
            slug=slug, defaults=dict(name=name, name_en=name_en, icon=icon, description=description, rule=slug)
        )
    for position, (name, slug) in enumerate(DEVICES):
        Device.objects.get_or_create(slug=slug, defaults=dict(name=name, position=position))
    app_config = apps.get_app_config("community")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="community", codename__in=MODERATOR_PERMISSIONS)
    )
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=6, period="hours")
    PeriodicTask.objects.get_or_create(
        name="Community: automatic medals for fans active lately",
        defaults={"task": "community.tasks.recompute_medals", "interval": every, "args": json.dumps([]),
                  "kwargs": json.dumps({}), "enabled": True},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_ledger_levels_medals_devices_follows"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
