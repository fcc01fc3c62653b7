"""Writing rows that may exist only once, without an IntegrityError when two requests race."""

from django.db import connection, models


def insert_once(model: type[models.Model], **values) -> bool:
    """Insert one row of `model` unless a unique constraint already holds it; True if this call did.

    `INSERT ... ON CONFLICT DO NOTHING`: a racing insert of the same key makes PostgreSQL wait for
    the other transaction, then skip, so of two or eight simultaneous calls exactly one returns True
    and a counter moved only on True stays exact. Foreign keys are given as ids (`post=post.pk`);
    fields left out get their model default.
    """
    meta = model._meta
    fields: list[models.Field] = []
    for name in values:
        field = meta.get_field(name)
        assert isinstance(field, models.Field) and field.concrete, f"{name} is not a column of {meta.label}"
        fields.append(field)
    given = {f.name for f in fields}
    for field in meta.concrete_fields:
        if field.name not in given and not field.primary_key and field.has_default():
            fields.append(field)
            values[field.name] = field.get_default()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields if f.column)  # all: concrete fields have a column
    placeholders = ", ".join(["%s"] * len(fields))
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING RETURNING 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None
