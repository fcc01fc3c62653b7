"""Shared fixtures: factories, a real Celery worker on the real broker, and a real browser."""

import os

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM calls made beside it are
# still plain synchronous calls, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    """Transactional tests (real threads, a worker, a live server) put the tables back when they end.

    Each ends with the database as migrations left it: the rows that migrations load (cities, staff
    groups, boards, periodic tasks) and nothing else, so no test depends on the order it runs in.
    Django's serialized rollback does that by truncating every table and saving each row again
    (about a second a test); `_SeedRows` below does the same in one short SQL transaction.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = marker is not None and marker.kwargs.get("transaction")
        if transactional or "live_server" in item.fixturenames or "page" in item.fixturenames:
            kwargs = {**(marker.kwargs if marker else {}), "transaction": True}
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


SEED_SCHEMA = "test_seed_rows"


class _SeedRows:
    """A copy of every row migrations loaded, kept in a schema of the test database, put back in SQL.

    `reset()` deletes the rows of every table that has any (plus the seeded ones) and copies the seed
    rows back, in one transaction with the foreign keys checked at its end: the same end state as
    Django's flush and deserialization (every migrated table, nothing else), at a small part of the cost.
    """

    def __init__(self, connection):
        self.alias = connection.alias
        self.tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SEED_SCHEMA} CASCADE; CREATE SCHEMA {SEED_SCHEMA}")
            cursor.execute(self._probe())
            self.seeded = [table for (table,) in cursor.fetchall()]
            restore = []
            for table in self.seeded:
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                    [table],
                )
                columns = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
                cursor.execute(f'CREATE TABLE {SEED_SCHEMA}."{table}" AS SELECT {columns} FROM "{table}"')
                restore.append(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM {SEED_SCHEMA}."{table}"')
        self.restore = restore

    def _probe(self) -> str:
        return " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in self.tables)

    def reset(self) -> None:
        from django.db import connections, transaction

        # The connection of this context: under Playwright's event loop Django keeps its own.
        with transaction.atomic(using=self.alias), connections[self.alias].cursor() as cursor:
            cursor.execute(self._probe())
            used = {table for (table,) in cursor.fetchall()} | set(self.seeded)
            cursor.execute(
                "SET CONSTRAINTS ALL DEFERRED;"
                + "".join(f'DELETE FROM "{table}";' for table in sorted(used))
                + ";".join(self.restore)
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with transactional tests reset from `_SeedRows` instead of a flush."""
    from django.db import connections
    from django.test import TransactionTestCase

    with django_db_blocker.unblock():
        seeds = {alias: _SeedRows(connections[alias]) for alias in connections}
    original_setup, original_teardown = TransactionTestCase._fixture_setup, TransactionTestCase._fixture_teardown

    def fixture_setup(cls):
        # Every transactional test ends by putting the seed rows back (and every other test rolls
        # back), so there is nothing to load here.
        serialized, cls.serialized_rollback = cls.serialized_rollback, False
        try:
            original_setup.__func__(cls)
        finally:
            cls.serialized_rollback = serialized

    def fixture_teardown(self):
        if self.available_apps is not None:
            return original_teardown(self)
        for alias in self._databases_names(include_mirrors=False):
            seeds[alias].reset()

    TransactionTestCase._fixture_setup = classmethod(fixture_setup)
    TransactionTestCase._fixture_teardown = fixture_teardown
    try:
        yield
    finally:
        TransactionTestCase._fixture_setup, TransactionTestCase._fixture_teardown = original_setup, original_teardown


@pytest.fixture(scope="session", autouse=True)
def _plain_static_files():
    """The live server finds static files by name; hashed manifest names exist only after collectstatic."""
    from django.conf import settings
    from django.test import override_settings

    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def _verify_memoised_html():
    """Every piece of HTML served from the memo (fancity.lib.memo) is also rendered afresh and compared,
    so a value a block shows but leaves out of its key fails the test (memo.StaleMemo) instead of
    serving stale HTML. The worker's memo lives across tests, as it lives across requests."""
    from django.test import override_settings

    with override_settings(HTML_MEMO_VERIFY=True):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and activity guards live in the cache; each test starts with none."""
    cache.clear()
    yield


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in a thread of this process) consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from fancity.celery import app

    app.control.purge()
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture(scope="session")
def browser(django_db_setup):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
