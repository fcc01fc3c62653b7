"""The database goes away under a running site: fans get a 503 page in their language, never a 500,
and the same web processes serve pages again once PostgreSQL is back.

The test PostgreSQL is shared by the whole run, so this test stops a PostgreSQL of its own, under a
real gunicorn (two workers, each with its persistent connection) started against it.
"""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scripts import devtools
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    except OSError as error:  # nothing listens yet
        return 0, {}, str(error)


@pytest.fixture
def site_on_own_database(server_dir):
    """gunicorn on a free port, with a PostgreSQL of its own (yielded, to stop and start) and a fan's session."""
    server = devtools.EmbeddedPostgres(server_dir / "postgres", devtools.free_port(), throwaway=True)
    server.start()
    redis = os.environ["REDIS_URL"].rsplit("/", 1)[0]
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {"DATABASE_URL": server.url, "REDIS_URL": f"{redis}/6", "CACHE_URL": f"{redis}/7"}
    web = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        make_session = (
            "from django.test import Client; from accounts.models import User; "
            "fan = User.objects.create_user('outage_fan', 'outage@example.com', 'a-long-password'); "
            "client = Client(); client.force_login(fan); print(client.cookies['sessionid'].value)"
        )
        session = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", make_session],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        port = devtools.free_port()
        command = [sys.executable, "-m", "gunicorn", "fancity.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"]
        web = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        wait_until(lambda: get(port, "/", ZH)[0] == 200, 60, "gunicorn")
        yield server, web, port, session
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        server.stop()


def test_database_outage_is_a_503_in_the_fans_language_and_heals_without_a_restart(site_on_own_database):
    server, web, port, session = site_on_own_database
    signed_in = {"Cookie": f"sessionid={session}"}
    pages = [("/", ZH), ("/meetups/", {**EN, "Cookie": "django_language=en"}), ("/notifications/", {**signed_in, **EN})]
    for path, headers in pages:
        assert get(port, path, headers)[0] == 200, path

    server.halt("immediate")  # every backend dies at once, as in a crash

    for path, headers in pages * 3:  # each of gunicorn's workers, with its broken persistent connection
        status, response_headers, body = get(port, path, headers)
        assert status == 503, (path, status, body[:500])
        assert response_headers["Retry-After"] == "30"
        if headers.get("Accept-Language") == ZH["Accept-Language"]:
            assert "马上回来" in body and '<html lang="zh-hans">' in body
        else:
            assert "Back in a moment" in body and '<html lang="en">' in body
    assert get(port, "/forum/", ZH)[0] in (200, 503)  # the board list may come whole from the cache
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', body).group(1)
    assert get(port, stylesheet)[0] == 200
    status, _, body = get(port, "/healthz")
    assert status == 503 and '"failing": "database"' in body

    server.start()
    back = time.monotonic()
    wait_until(lambda: all(get(port, path, headers)[0] == 200 for path, headers in pages * 3), 30, "the site")
    print(f"pages 200 again {time.monotonic() - back:.1f} s after PostgreSQL answered")
    assert web.poll() is None  # the same gunicorn, never restarted
    assert "outage_fan" in get(port, "/notifications/", {**signed_in, **EN})[2]
