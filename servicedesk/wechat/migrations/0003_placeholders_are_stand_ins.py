"""The placeholder accounts made for followers before `User.stand_in` existed become stand-ins: not
counted or listed as fans, no profile, no sign-in."""

import hashlib

from django.db import migrations


def mark(apps, schema_editor):
    Follower = apps.get_model("wechat", "Follower")
    User = apps.get_model("accounts", "User")
    digests = {
        "wx-" + hashlib.sha256(f"{app_id}:{openid}".encode()).hexdigest()[:16]
        for app_id, openid in Follower.objects.values_list("account__app_id", "openid").iterator()
    }
    names = sorted(digests)
    for start in range(0, len(names), 5000):
        User.objects.filter(username__in=names[start : start + 5000], password__startswith="!").update(stand_in=True)


class Migration(migrations.Migration):
    dependencies = [
        ("wechat", "0002_desk_permissions_and_schedule"),
        ("accounts", "0010_user_stand_in"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
