from django.db import migrations

from accounts.cities import PROVINCES

GROUPS = ["Moderators", "Event staff", "Core testers"]


def load(apps, schema_editor):
    City = apps.get_model("accounts", "City")
    Group = apps.get_model("auth", "Group")
    for province, province_en, cities in PROVINCES:
        for name, name_en, slug in cities:
            City.objects.update_or_create(slug=slug, defaults={
                "name": name, "name_en": name_en, "province": province, "province_en": province_en})
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
