"""meetups_register() is loaded from meetups/sql/register.sql, where a reader finds it.

The file holds the body 0010 created, so this changes nothing in the database; from here on a
change to the function is a change to the file plus a migration that loads it again.
"""

from pathlib import Path

from django.db import migrations

SQL = (Path(__file__).resolve().parent.parent / "sql" / "register.sql").read_text()


class Migration(migrations.Migration):
    dependencies = [("meetups", "0010_registration_questions")]

    # Reversing has nothing to restore: 0010 created the same function.
    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
