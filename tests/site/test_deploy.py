"""Production settings and the repository itself stay deployable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7Gq2!vLr9#pZ4mK8wT1sB6nY3cH0dJ5fA2eU9iO4lR7tQ1zX8kV6bN3gM5hP0",
    "ALLOWED_HOSTS": "fancity.example",
    "SITE_URL": "https://fancity.example",
    "SECURE_SSL_REDIRECT": "1",
}


def manage(*args, env=None):
    # The test process allows sync ORM calls beside Playwright's loop; a deployment never does.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env={**base, **(env or {})}
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "site_url, error",
    [
        (None, "accounts.E001"),  # the development default
        ("http://fancity.example", "accounts.E002"),  # plain http
        ("https://elsewhere.example", "accounts.E003"),  # a host the site does not serve
    ],
)
def test_check_deploy_fails_on_a_site_url_that_mail_links_cannot_use(site_url, error):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SITE_URL" or site_url}
    if site_url:
        env["SITE_URL"] = site_url
    base = {key: value for key, value in os.environ.items() if key != "SITE_URL"}

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base, **env},
    )

    assert result.returncode != 0 and error in result.stderr, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_every_model_change_has_its_migration():
    result = manage("makemigrations", "--check", "--dry-run", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_weibo_and_wechat_login_switch_on_only_with_their_keys():
    show = (
        "from django.conf import settings; "
        "print(sorted(a.rsplit('.', 1)[1] for a in settings.INSTALLED_APPS if '.providers.' in a))"
    )
    without = manage("shell", "-v", "0", "-c", show, env=PRODUCTION_ENV)
    keys = {"WEIBO_CLIENT_ID": "id", "WEIBO_SECRET": "s", "WECHAT_CLIENT_ID": "id", "WECHAT_SECRET": "s"}
    with_keys = manage("shell", "-v", "0", "-c", show, env={**PRODUCTION_ENV, **keys})
    assert without.stdout.strip() == "[]", without.stderr
    assert with_keys.stdout.strip() == "['weibo', 'weixin']", with_keys.stderr
