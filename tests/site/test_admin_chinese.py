"""A Chinese staff member reads the admin in Chinese: app and model names, list columns, filters, field
labels, fieldsets and actions, in every admin the site shows (ours and django-celery-beat's)."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts import roles
from tests.site.admin_states import build_all

pytestmark = pytest.mark.django_db

# Words that stay as they are in Chinese: abbreviations, names and the JSON/crontab notation.
ALLOWED = {"ID", "SHA", "URL", "CSV", "QR", "JSON", "Email", "Celery", "Fancity", "AMQP", "UTC", "Markdown", "HTML"}
WORD = re.compile(r"[A-Za-z][A-Za-z']+")


class _Headings(HTMLParser):
    """The words of the admin itself, not of the data it lists: app and model names (captions and row
    heads of the index), column heads, the page title, fieldset and inline headings, field labels,
    filter titles and the actions."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, whether its text counts)
        self.thead = self.action_menu = 0
        self.texts: list[str] = []

    def _counts(self, tag, attrs) -> bool:
        classes = set((attrs.get("class") or "").split())
        return (
            tag in ("h1", "caption", "label", "summary")
            or (tag == "th" and (self.thead or attrs.get("scope") == "row"))
            or (tag == "h2" and bool(classes & {"fieldset-heading", "inline-heading"}))
            or (tag == "option" and self.action_menu)
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.thead += tag == "thead"
        self.action_menu += tag == "select" and attrs.get("name") == "action"
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.stack.append((tag, self._counts(tag, attrs)))

    def handle_endtag(self, tag):
        self.thead -= tag == "thead" and self.thead > 0
        self.action_menu -= tag == "select" and self.action_menu > 0
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if data.strip() and any(counts for _, counts in self.stack):
            self.texts.append(data.strip())


def english_words(html: str) -> set[str]:
    parser = _Headings()
    parser.feed(html)
    return {word for text in parser.texts for word in WORD.findall(text) if word not in ALLOWED}


def _urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        urls.append(reverse("admin:app_list", args=[opts.app_label]))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    return sorted(set(urls))


def test_the_admin_shows_no_english_to_a_chinese_staff_member(client):
    admin_user = build_all()
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)
    found = {}
    for url in _urls():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        if words := english_words(response.content.decode()):
            found[url] = sorted(words)
    assert not found, found


def test_group_names_show_in_chinese_and_stay_the_names_code_uses(client):
    admin_user = build_all()
    client.force_login(admin_user)
    html = client.get(reverse("admin:auth_group_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for name in roles.ROLES:
        assert name not in html
    assert "版主" in html and "活动工作人员" in html
