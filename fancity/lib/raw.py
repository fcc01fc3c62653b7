"""Hand-written SQL for the few hot reads where the ORM's building of a query costs more CPU than
PostgreSQL takes to answer it (figures in forum/README.md, "Costs behind the code").

Most of them return cards (fancity.lib.cards) or plain rows. `Columns` names a model's columns in a
SELECT list and builds the instance back from its slice of the row with `Model.from_db`, for the few
reads whose callers need a model (the fan's own row, the thread and board of a page).

Statements are bound on the server and prepared by psycopg after `prepare_threshold` runs on a
connection (settings.DATABASES: `server_side_binding` and `prepare_threshold`), the ORM's as well as
these: PostgreSQL then plans each once per connection instead of once per request.
"""

from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from fancity.lib.dbrouting import read_alias

M = TypeVar("M", bound=models.Model)


class Columns(Generic[M]):
    def __init__(self, model: type[M], alias: str, fields: Iterable[str] | None = None):
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
        return ", ".join(
            prefix + connection.ops.quote_name(f.attname if f.column is None else f.column) for f in self.fields
        )

    def build(self, row: Sequence, start: int) -> M | None:
        """The instance from `row[start : start + width]` (`Model.from_db`, as the ORM builds it: a field
        left out is deferred, as with `.only()`); None when its primary key is NULL (an outer join that
        found nothing)."""
        values = row[start : start + self.width]
        if values[0] is None:
            return None
        return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, values)

    def build_present(self, row: Sequence, start: int) -> M:
        """`build` for a table joined so that its row is always there (an inner join, the FROM table)."""
        instance = self.build(row, start)
        if instance is None:
            raise ValueError(f"no {self.model.__name__} in this row")
        return instance


def fetch(sql: str, params: Sequence, *, prepare: bool = True) -> list[tuple]:
    """The rows of `sql` with `params`, through Django's cursor (its errors, its health check and the
    queries counted in tests are the ORM's).

    psycopg prepares a statement once it has run `prepare_threshold` times on the connection, and
    PostgreSQL then keeps one plan for any values when that costs no more than planning each time.
    `prepare=False` where the best plan depends on the values (search terms): psycopg's documented
    `prepare_threshold` of the connection is None for that one statement, so it is never prepared.

    The rows come from the database the request reads from (fancity.lib.dbrouting: a replica or the
    primary), as the ORM's reads do."""
    wrapper = connections[read_alias()]
    with wrapper.cursor() as cursor:
        if prepare:
            cursor.execute(sql, params)
            return cursor.fetchall()
        db = wrapper.connection  # the psycopg connection the cursor runs on
        threshold, db.prepare_threshold = db.prepare_threshold, None
        try:
            cursor.execute(sql, params)
        finally:
            db.prepare_threshold = threshold
        return cursor.fetchall()
