"""Rebuild the search documents of posts whose Markdown holds text a reader never sees.

Documents used to be built from the Markdown source, so raw HTML the sanitiser drops (`<b onclick=…>`),
link targets, image addresses, fenced code's language and reference definitions were found by search.
They are now built from the rendered text (`forum.reading.search.post_vector`). Only a post whose source has
one of those markers can differ, so only those are rebuilt: one pass over the table by primary key,
in batches that each commit on their own (the migration is not atomic), so a large table is never
locked for long and an interrupted run can simply be run again.
"""

from django.db import connection, migrations

WINDOW = 5000  # post ids a statement looks at
# Markdown whose text differs from what the reader sees: raw HTML and entities, inline and reference
# links and images, fenced code's info string.
_SUSPECT = (
    "(p.body LIKE '%%<%%' OR p.body LIKE '%%&%%' OR p.body LIKE '%%](%%' OR p.body LIKE '%%]:%%' "
    "OR p.body LIKE '%%```%%' OR p.body LIKE '%%~~~%%')"
)


def rebuild(apps, schema_editor):
    from forum.reading.search import post_vector

    post_table = apps.get_model("forum", "Post")._meta.db_table
    thread_table = apps.get_model("forum", "Thread")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {post_table}")
        (top,) = cursor.fetchone()
    for low in range(0, top, WINDOW):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, p.floor, p.html, p.edited_at, t.title FROM {post_table} p "
                f"JOIN {thread_table} t ON t.id = p.thread_id "
                f"WHERE p.id > %s AND p.id <= %s AND p.search IS NOT NULL AND {_SUSPECT}",
                [low, low + WINDOW],
            )
            rows = cursor.fetchall()
            if not rows:
                continue
            ids = [row[0] for row in rows]
            vectors = [post_vector(title if floor == 1 else "", html) for _, floor, html, _, title in rows]
            edited = [row[3] for row in rows]
            # An edit, hide or delete since the read wins: its own document (or none) stays.
            cursor.execute(
                f"UPDATE {post_table} p SET search = v.search::tsvector "
                f"FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[]) AS v(id, search, edited_at) "
                f"WHERE p.id = v.id AND p.search IS NOT NULL AND p.edited_at IS NOT DISTINCT FROM v.edited_at",
                [ids, vectors, edited],
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("forum", "0014_thread_withdrawal")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=True)]
