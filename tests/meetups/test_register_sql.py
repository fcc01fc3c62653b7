"""The registration function the database runs is the one meetups/sql/register.sql holds."""

import re
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

SQL_FILE = Path(__file__).resolve().parents[2] / "meetups" / "sql" / "register.sql"


def _body(text: str) -> str:
    """What stands between the function's dollar quotes, whatever their tag."""
    match = re.search(r"AS \$(\w*)\$(.*)\$\1\$", text, re.DOTALL)
    assert match, text[:200]
    return match.group(2).strip()


def test_database_function_is_the_sql_file():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('meetups_register'::regproc)")
        (definition,) = cursor.fetchone()
    assert _body(definition) == _body(SQL_FILE.read_text())
    assert "p_answers jsonb DEFAULT NULL::jsonb" in definition
