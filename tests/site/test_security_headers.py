"""Defence in depth: a strict CSP with no inline script, Permissions-Policy, and cookie flags."""

import re
from pathlib import Path

import allauth as allauth_package
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.template import loader

from accounts.roles import EVENT_STAFF
from tests.factories import UserFactory
from tests.forum.factories import thread
from tests.helpers import signed_in
from tests.meetups.factories import MeetupFactory

PAGES = ["/", "/forum/", "/meetups/", "/meetups/cities/", "/accounts/login/", "/accounts/signup/", "/admin/login/"]


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_a_csp_without_inline_script_and_a_permissions_policy(client, url):
    response = client.get(url)

    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    policy = response["Permissions-Policy"]
    assert "camera=(self)" in policy
    for feature in ("geolocation", "microphone", "payment", "usb"):
        assert f"{feature}=()" in policy


@pytest.mark.django_db
def test_error_pages_and_the_calendar_file_have_the_headers_too(client):
    meetup = MeetupFactory()
    for url, status in [("/meetups/999999/", 404), (f"/meetups/{meetup.pk}/calendar.ics", 200)]:
        response = client.get(url)
        assert response.status_code == status
        assert "script-src 'self'" in response["Content-Security-Policy"] and response["Permissions-Policy"]


# allauth's templates of the parts the site installs (allauth.account, allauth.socialaccount, their
# layouts and elements), less those of features it leaves off (phone numbers as logins), never rendered.
ALLAUTH_PARTS = ("account", "socialaccount", "allauth")
UNUSED_ALLAUTH = {"account/phone_change.html"}


def _template_files() -> list[Path]:
    roots = [Path(d) for t in settings.TEMPLATES for d in t["DIRS"]]
    roots += [Path(settings.BASE_DIR) / app / "templates" for app in ("accounts", "forum", "meetups", "servicedesk")]
    ours = {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}
    # The allauth page templates the site renders, as the loader picks them: ours where we override one.
    allauth = Path(allauth_package.__file__).parent / "templates"
    names = {str(p.relative_to(allauth)) for part in ALLAUTH_PARTS for p in (allauth / part).rglob("*.html")}
    names -= UNUSED_ALLAUTH
    picked = {Path(loader.get_template(name).origin.name) for name in names}
    return sorted(ours | picked)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def test_no_template_has_inline_script_event_handlers_or_style_attributes():
    files = _template_files()
    assert len(files) > 40
    assert Path(settings.BASE_DIR) / "templates/account/email_change.html" in files
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {pattern.pattern}"
        for path in files
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, JAVASCRIPT_URL)
        if pattern.search(path.read_text(errors="replace"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_the_language_cookie_has_the_same_flags_as_the_session_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE


@pytest.mark.django_db
def test_the_settings_page_sets_the_language_cookie_with_the_same_flags_as_the_switch(client):
    fan = UserFactory()
    client.force_login(fan)
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"}).cookies[settings.LANGUAGE_COOKIE_NAME]

    response = client.post(
        "/settings/", {"display_name": fan.display_name, "city": "深圳", "bio": "", "language": "en"}
    )

    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    # Everything but the expiry date, which moves with the clock: path, domain, max-age and flags.
    assert {k: cookie[k] for k in cookie if k != "expires"} == {k: switched[k] for k in switched if k != "expires"}
    assert "Secure" in cookie.output() and "HttpOnly" in cookie.output()


def test_the_browser_runs_the_pages_scripts_and_reports_no_csp_violation(browser, live_server):
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name=EVENT_STAFF))
    meetup = MeetupFactory()
    t = thread(title="CSP 测试")
    # A change of address waiting for its confirmation: allauth's page then holds a hidden second form.
    EmailAddress.objects.create(user=staff, email="new-address@example.com", verified=False, primary=False)
    page = signed_in(browser, live_server, staff)
    violations, scripts = [], {}
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on(
        "response", lambda r: scripts.update({r.url.rsplit("/", 1)[-1]: r.status}) if r.url.endswith(".js") else None
    )

    pages = ["/", f"/forum/t/{t.pk}/", f"/meetups/{meetup.pk}/check-in/", f"/u/{staff.username}/", "/accounts/email/"]
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
    assert page.locator("form#pending-email").is_hidden()  # hidden without an inline style

    assert violations == []
    assert scripts.get("forum.js") == 200 and scripts.get("checkin.js") == 200
