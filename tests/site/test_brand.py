"""The brand reads 粉丝城 in Chinese and Fancity in English: in the catalogue, page titles and the admin."""

from pathlib import Path

import polib
import pytest

from tests.factories import UserFactory

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
BRAND = {"zh-hans": "粉丝城", "en": "Fancity"}


def test_every_chinese_string_that_names_the_brand_says_粉丝城():
    wrong = []
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete or "Fancity" not in entry.msgid:
            continue
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if any("Fancity" in text or "粉丝城" not in text for text in texts):
            wrong.append(entry.msgid)
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_page_titles_end_with_the_brand(client, django_assert_max_num_queries, language):
    client.cookies["django_language"] = language
    with django_assert_max_num_queries(12):
        response = client.get("/forum/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f" · {BRAND[language]}</title>" in html
    assert BRAND["en" if language == "zh-hans" else "zh-hans"] not in html.split("</head>")[0]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "title"), [("zh-hans", "粉丝城管理后台"), ("en", "Fancity admin")])
def test_the_admin_is_titled_with_the_brand(client, django_assert_max_num_queries, language, title):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = language
    with django_assert_max_num_queries(14):  # the admin index, plus the first visit of the day (4)
        response = client.get("/admin/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<title>{title}" in html or f"| {title}</title>" in html
    assert f">{title}</a>" in html
    assert "Django" not in html.split("</head>")[0]
