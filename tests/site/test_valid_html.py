"""Every key page of every role is valid HTML by the Nu HTML checker (vnu.jar, the W3C validator's engine).

All pages go to one Java process (`--format json`): one JVM start for the lot.
"""

import datetime
import json
import subprocess
from pathlib import Path

import pytest

from tests.site.checkers import vnu_jar
from tests.site.key_pages import render_key_pages


@pytest.mark.django_db
def test_key_pages_of_every_role_have_no_html_errors(client, tmp_path):
    pages = render_key_pages(client)
    names = {}
    for index, (name, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{index:02d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = name
    result = subprocess.run(
        ["java", "-Xss8m", "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always"]
        + sorted(str(path) for path in tmp_path.iterdir()),
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or result.stdout)
    errors = [
        f"{names[Path(m['url']).name]}, line {m.get('lastLine')}: {m['message']}  «{m.get('extract', '').strip()}»"
        for m in report["messages"]
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert len(names) == len(pages) >= 40
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors)


def test_the_iso_filter_writes_datetime_to_the_second_in_the_sites_time_zone():
    from accounts.templatetags.fancity import iso

    moment = datetime.datetime(2026, 12, 6, 1, 32, 5, 123456, tzinfo=datetime.UTC)
    assert iso(moment) == "2026-12-06T09:32:05+08:00"
    assert iso(datetime.date(2026, 12, 6)) == "2026-12-06" and iso(None) == ""
