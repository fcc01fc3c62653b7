"""Model instances from hand-written SQL, for the few hot reads where the ORM's building of a query
costs more CPU than PostgreSQL takes to answer it (the thread page: several times more; figures in
forum/README.md, "Costs behind the code").

`Columns` names a model's columns in a SELECT list and builds the instance back from its slice of
the row, so a statement lists each model's fields once and stays readable. The instances are what
the ORM would give with `.only(...)`: a field left out is deferred (read on access, one query).
"""

from collections.abc import Iterable, Sequence

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models import signals
from django.db.models.base import ModelState


class Columns:
    def __init__(self, model: type[models.Model], alias: str, fields: Iterable[str] | None = None):
        """`fields` by name (a foreign key's name or attname gives its id column); the primary key always;
        None: all of them.
        `alias` is the table's name in the statement."""
        wanted = None if fields is None else {*fields, model._meta.pk.name}
        # In the model's field order, which is the order Model.from_db takes values in.
        self.fields = [f for f in model._meta.concrete_fields if wanted is None or wanted & {f.name, f.attname}]
        self.model = model
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self.sql = self.select(alias)

    def select(self, alias: str) -> str:
        """The SELECT list of these columns of the table named `alias` ("" for no table name)."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + connection.ops.quote_name(f.column) for f in self.fields)

    def build(self, row: Sequence, start: int) -> models.Model | None:
        """The instance from `row[start : start + width]`; None when its primary key is NULL (an outer
        join that found nothing)."""
        values = row[start : start + self.width]
        if values[0] is None:
            return None
        model = self.model
        # Any receivers at all first: asking the signals about the model each time adds up, 100 times a page.
        if (signals.pre_init.receivers or signals.post_init.receivers) and (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        ):
            return model.from_db(DEFAULT_DB_ALIAS, self.attnames, values)
        # What Model.from_db makes, without Model.__init__'s walk over every field (the costliest step,
        # 60 instances a thread page): a field left out of __dict__ is deferred, as with .only().
        instance = model.__new__(model)
        instance._state = ModelState()
        instance._state.adding, instance._state.db = False, DEFAULT_DB_ALIAS
        instance.__dict__.update(zip(self.attnames, values, strict=True))
        return instance


def split(row: Sequence, parts: Sequence[Columns]) -> tuple[list, Sequence]:
    """The instances of `parts` (None for an outer join that found nothing), in order from the start
    of `row`, and the columns that follow them."""
    instances, start = [], 0
    for part in parts:
        instances.append(part.build(row, start))
        start += part.width
    return instances, row[start:]


def cache_related(instance: models.Model, name: str, related: models.Model | None) -> None:
    """Set the foreign key `name` of `instance` as select_related would, so reading it runs no query."""
    instance._state.fields_cache[name] = related


class _PreparedCursor(psycopg.Cursor):
    """Binds the parameters on the server and prepares the statement on the connection: PostgreSQL then
    plans it once per connection instead of once per request."""

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, **kwargs)

    def _send_query_prepared(self, name, pgq, **kwargs):
        self._query = pgq  # as psycopg sets for a statement it does not prepare: Django's query log reads it
        return super()._send_query_prepared(name, pgq, **kwargs)


def fetch(sql: str, params: Sequence, *, prepare: bool = True) -> list[tuple]:
    """The rows of `sql` with `params`, as a prepared statement unless `prepare` is False.

    Planning these joins cost PostgreSQL more CPU than running them (the thread page's posts: several
    times more, forum/README.md), and the ORM's own queries are never prepared (Django binds them on the
    client). PostgreSQL plans a prepared statement for its first values, then keeps one plan for any
    values when that costs no more: `prepare=False` where the best plan depends on the values (search
    terms). The cursor is Django's wrapper around it, as `connection.cursor()` gives: its errors,
    its health check and the queries counted in tests are the ORM's."""
    if not prepare:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection._prepare_cursor(_PreparedCursor(connection.connection))
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
