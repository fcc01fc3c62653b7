"""Small helpers that tests across apps share."""

import threading
import time

from django.db import connection
from django.test import Client


def wait_until(condition, timeout: float = 20.0, what: str = "the Celery worker to finish"):
    """Poll `condition` until it returns something truthy (and return that), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return result


def celery_idle() -> bool:
    """Every task sent so far has been run to the end: none waits in the broker, none is being run.

    With `task_acks_late` a message stays in Redis's unacked set until its task returns, so an empty
    queue and an empty unacked set mean the worker has finished, whatever it decided to do.
    """
    from fancity.celery import app

    with app.connection_for_read() as conn:
        client = conn.default_channel.client
        return not client.llen(app.conf.task_default_queue) and not client.hlen(conn.default_channel.unacked_key)


def signed_in(browser, live_server, user):
    """A phone-sized Chinese browser page with `user`'s session (the login form has its own test)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def race(*calls, timeout: float = 60.0) -> list:
    """Run each callable in its own thread, released together by a barrier, against the real database.

    Returns what each call returned, or the exception it raised, in the order of `calls`. Each thread
    closes its own database connection, so a transactional test can flush afterwards.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - handed back to the test, which asserts on it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing call did not finish"
    return results
