"""Shared fixtures: factories, a real Celery worker on the real broker, and a real browser."""

import os

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM calls made beside it are
# still plain synchronous calls, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    """Transactional tests (real threads, a worker, a live server) empty the tables when they end.

    Serialized rollback puts the rows that migrations load (cities, staff groups, boards, periodic
    tasks) back for the next one, so no test depends on the order it runs in.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = marker is not None and marker.kwargs.get("transaction")
        if transactional or "live_server" in item.fixturenames or "page" in item.fixturenames:
            kwargs = {**(marker.kwargs if marker else {}), "transaction": True, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


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
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread, and Django then keeps its connections per
    # context instead of per thread: the new connection objects lack the rows serialized after
    # migrations, so serialized rollback would silently restore nothing. Hand them over.
    serialized = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with sync_playwright() as p:
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
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
