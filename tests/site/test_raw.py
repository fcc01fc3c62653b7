"""fancity.lib.raw: instances built from hand-written SQL as the ORM builds them, statements bound on
the server and prepared by psycopg (settings: server_side_binding, prepare_threshold), counted like
the ORM's; and no private Django or psycopg API anywhere in the code."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from fancity.lib import raw
from tests.forum.factories import fan

pytestmark = pytest.mark.django_db

_COLUMNS = raw.Columns(User, "u", ("username", "display_name"))
_SQL = f"SELECT {_COLUMNS.sql} FROM {User._meta.db_table} u WHERE u.id = %s"
ROOT = Path(__file__).resolve().parents[2]


def test_an_instance_is_what_only_gives_and_a_left_out_field_is_read_on_access():
    someone = fan(username="raw-reader", display_name="读者", bio="不在查询里")
    [row] = raw.fetch(_SQL, [someone.pk])
    built = _COLUMNS.build(row, 0)
    assert built == someone and built.username == "raw-reader" and built.display_name == "读者"
    assert built.get_deferred_fields() == User.objects.only("username", "display_name").get().get_deferred_fields()
    with CaptureQueriesContext(connection) as later:
        assert built.bio == "不在查询里"
    assert len(later) == 1


def test_an_instance_is_built_through_from_db_so_init_receivers_see_it():
    someone = fan()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    signals.post_init.connect(receiver, sender=User)
    try:
        built = _COLUMNS.build(raw.fetch(_SQL, [someone.pk])[0], 0)
    finally:
        signals.post_init.disconnect(receiver, sender=User)
    assert seen == [someone.pk] and built.username == someone.username


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_statement_is_prepared_after_the_threshold_and_counted_like_the_orm_s():
    assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    someone = fan()
    with CaptureQueriesContext(connection) as ctx:
        rows = [raw.fetch(_SQL, [someone.pk]) for _ in range(threshold + 1)]
    assert len(ctx) == threshold + 1 and all(r == rows[0] for r in rows)
    assert f"u.id = {someone.pk}" in ctx.captured_queries[0]["sql"]  # the log shows the values
    assert any("u.id = $1" in statement for statement in _prepared())  # bound on the server, prepared


def test_the_orm_s_statements_are_prepared_too():
    someone = fan()
    for _ in range(6):
        User.objects.filter(pk=someone.pk).values_list("username", flat=True).first()
    assert any('"accounts_user"."id" = $1' in statement for statement in _prepared())


def test_an_unprepared_statement_is_never_prepared_and_the_threshold_is_put_back():
    someone = fan()
    sql = f"SELECT u.username FROM {User._meta.db_table} u WHERE u.id = %s AND u.username <> 'unprepared'"
    for _ in range(8):
        assert raw.fetch(sql, [someone.pk], prepare=False) == [(someone.username,)]
    assert not any("'unprepared'" in statement for statement in _prepared())
    assert connection.connection.prepare_threshold == settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]


# Django's and psycopg's private names (the leading underscore) that code once used to build models and
# prepare statements; `_meta` is Django's documented model API.
_PRIVATE = re.compile(
    r"\.__new__\(|\._state\b|\bModelState\b|fields_cache|_prepare_cursor|_send_query|\bconnection\._[a-z]|cursor\._[a-z]"
)


def test_no_code_calls_a_private_django_or_psycopg_api():
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in {"tests", "node_modules", "migrations"}]
        for path in (Path(folder) / name for name in files if name.endswith(".py")):
            relative = path.relative_to(ROOT)
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if _PRIVATE.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
