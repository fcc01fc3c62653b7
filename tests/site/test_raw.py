"""fancity.lib.raw: instances built from hand-written SQL as the ORM builds them, and statements
prepared on the connection, counted like the ORM's."""

import pytest
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from fancity.lib import raw
from tests.forum.factories import fan

pytestmark = pytest.mark.django_db

_COLUMNS = raw.Columns(User, "u", ("username", "display_name"))
_SQL = f"SELECT {_COLUMNS.sql} FROM {User._meta.db_table} u WHERE u.id = %s"


def test_an_instance_is_what_only_gives_and_a_left_out_field_is_read_on_access():
    someone = fan(username="raw-reader", display_name="读者", bio="不在查询里")
    [row] = raw.fetch(_SQL, [someone.pk])
    built = _COLUMNS.build(row, 0)
    assert built == someone and built.username == "raw-reader" and built.display_name == "读者"
    assert built.get_deferred_fields() == User.objects.only("username", "display_name").get().get_deferred_fields()
    with CaptureQueriesContext(connection) as later:
        assert built.bio == "不在查询里"
    assert len(later) == 1


def test_a_model_with_init_receivers_is_built_through_from_db():
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


def test_a_statement_is_prepared_on_the_connection_and_counted_like_the_orm_s():
    someone = fan()
    with CaptureQueriesContext(connection) as ctx:
        prepared = raw.fetch(_SQL, [someone.pk])
        unprepared = raw.fetch(_SQL, [someone.pk], prepare=False)
    assert prepared == unprepared and len(ctx) == 2
    assert "u.id = $1" in ctx.captured_queries[0]["sql"]  # the log shows a prepared statement's parameters
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        assert any("u.id = $1" in statement for (statement,) in cursor.fetchall())
