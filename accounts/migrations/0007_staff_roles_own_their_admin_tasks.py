"""Every staff task the READMEs name is doable by the role that owns it (accounts/roles.py).

- Event staff create meetups in the admin, whose city field is an autocomplete: it answers only those
  who may view cities.
- Moderators keep the sensitive-word list, appoint board moderators (版主, the board's admin page),
  and read the moderation log and the held posts in the admin.
- The service desk sees a ticket's history (TicketEvent, inline on the ticket).
- Operations (a new group) edit when the periodic tasks run (django-celery-beat) and read the outbox;
  what a periodic task runs, with which arguments, stays with superusers (outbox/admin.py).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATIONS = "Operations"

GRANTS = {
    # group: {app label: codenames}
    "Event staff": {"accounts": ["view_city"]},
    "Moderators": {
        "accounts": ["view_sensitiveword", "add_sensitiveword", "change_sensitiveword", "delete_sensitiveword"],
        "forum": [
            "change_board",
            "view_boardmoderator",
            "add_boardmoderator",
            "change_boardmoderator",
            "delete_boardmoderator",
            "view_moderationaction",
            "view_heldpost",
        ],
    },
    "Service desk": {"servicedesk": ["view_ticketevent"]},
    OPERATIONS: {
        "django_celery_beat": [
            "view_periodictask",
            "change_periodictask",
            "view_crontabschedule",
            "add_crontabschedule",
            "change_crontabschedule",
            "view_intervalschedule",
            "add_intervalschedule",
            "change_intervalschedule",
            "view_solarschedule",
            "view_clockedschedule",
        ],
        "outbox": ["view_message"],
    },
}


def _permissions(apps, app_label, codenames):
    Permission = apps.get_model("auth", "Permission")
    found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    assert len(found) == len(codenames), (app_label, codenames)
    return found


def grant(apps, schema_editor):
    for label in {label for grants in GRANTS.values() for label in grants}:
        # Permissions are normally created after migrate; create them now so they can be granted.
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    for name, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for label, codenames in grants.items():
            group.permissions.add(*_permissions(apps, label, codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, grants in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            for label, codenames in grants.items():
                group.permissions.remove(*_permissions(apps, label, codenames))
    Group.objects.filter(name=OPERATIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_fold_thread_notifications"),
        ("forum", "0014_thread_withdrawal"),
        ("meetups", "0010_registration_questions"),
        ("servicedesk", "0009_ratings_and_moved_threads"),
        ("outbox", "0002_send_pending_every_minute"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
