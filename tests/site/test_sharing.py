"""What WeChat, Weibo, search engines and browsers read about the site: Open Graph and canonical
links on SITE_URL, feed autodiscovery, robots.txt, the sitemap (only what anyone may read), icons."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.roles import CORE_TESTERS, MODERATORS
from fancity.lib.sitemaps import IdRangePaginator
from forum.models import Thread
from forum.moderation import moderate
from meetups.models import Meetup
from tests.forum.factories import board, fan, member, thread
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db

SITE = "https://fancity.example.cn"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class _Head(HTMLParser):
    """The <meta> and <link> elements of a page, as a crawler reads them."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        elif tag == "link":
            self.links.append(attrs)


def _head(client, url) -> _Head:
    response = client.get(url)
    assert response.status_code == 200, url
    head = _Head()
    head.feed(response.content.decode())
    return head


def _canonical(head) -> str:
    (link,) = [link for link in head.links if link.get("rel") == "canonical"]
    return link["href"]


def _feeds(head) -> list[str]:
    return [link["href"] for link in head.links if link.get("type") == "application/atom+xml"]


@override_settings(SITE_URL=SITE)
def test_thread_board_meetup_and_profile_pages_carry_absolute_open_graph_and_canonical_links(client):
    author = fan(display_name="机友小李", bio="刷机十年")
    t = thread(author, title="新固件体验", body="**续航**明显变好了，推荐升级。")
    meetup = MeetupFactory(title="深圳见面会", agenda="和工程师聊新系统")
    pages = {
        t.get_absolute_url(): ("新固件体验", "续航明显变好了"),
        board().get_absolute_url(): (board().name, board().description),  # pages are in Chinese
        meetup.get_absolute_url(): ("深圳见面会", "和工程师聊新系统"),
        author.get_absolute_url(): ("机友小李", "刷机十年"),
    }
    for url, (title, description) in pages.items():
        head = _head(client, url)
        assert _canonical(head) == SITE + url
        assert head.meta["og:url"] == SITE + url
        assert head.meta["og:title"] == title
        assert description in head.meta["og:description"]
        assert description in head.meta["description"]
        assert head.meta["og:site_name"] == "粉丝城"
        assert head.meta["og:image"].startswith(SITE + "/static/") and head.meta["og:image"].endswith(".png")
    # The page number stays in the canonical link; other parameters (sorting, quoting) do not.
    assert _canonical(_head(client, f"{board().get_absolute_url()}?page=1&featured=1")) == SITE + "/forum/b/general/"
    thread_page_2 = _head(client, f"{t.get_absolute_url()}?page=2&quote=1")
    assert _canonical(thread_page_2) == f"{SITE}{t.get_absolute_url()}?page=2"


@override_settings(SITE_URL=SITE)
def test_every_page_has_the_site_defaults_icons_and_manifest(client):
    head = _head(client, "/forum/")
    assert _canonical(head) == SITE + "/forum/"
    assert head.meta["og:title"] == "粉丝城" and head.meta["description"]
    rels = {link["rel"]: link["href"] for link in head.links}
    assert rels["apple-touch-icon"].endswith(".png")
    assert rels["manifest"] == "/manifest.webmanifest"
    assert client.get(rels["apple-touch-icon"]).status_code == 200
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon["Content-Type"] == "image/x-icon"
    assert favicon.content.startswith(b"\x00\x00\x01\x00")  # an ICO file
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["name"] == "粉丝城" and data["start_url"] == "/"
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_boards_and_threads_announce_their_board_feed_except_the_private_beta_board(client):
    t = thread(title="有订阅吗")
    assert _feeds(_head(client, board().get_absolute_url())) == ["/forum/b/general/feed.atom"]
    assert _feeds(_head(client, t.get_absolute_url())) == ["/forum/b/general/feed.atom"]
    assert client.get("/forum/b/general/feed.atom").status_code == 200

    tester = member(CORE_TESTERS)
    beta = thread(tester, slug="beta", title="内测帖")
    client.force_login(tester)
    assert _feeds(_head(client, board("beta").get_absolute_url())) == []
    assert _feeds(_head(client, beta.get_absolute_url())) == []


@override_settings(SITE_URL=SITE)
def test_robots_txt_keeps_crawlers_out_of_staff_account_and_search_pages_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")}
    assert {"/admin/", "/accounts/", "/staff/", "/settings/", "/forum/moderation/", "/forum/search/?"} <= disallowed
    assert "/forum/" not in disallowed and "/meetups/" not in disallowed
    assert f"Sitemap: {SITE}/sitemap.xml" in lines


def _locations(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [loc.text for loc in ET.fromstring(response.content).iter(f"{SM}loc")]


@override_settings(SITE_URL=SITE)
def test_sitemap_lists_public_boards_threads_and_meetups_and_nothing_hidden(client):
    public = thread(title="公开帖")
    withdrawn = thread(title="撤下的帖")
    moderator = member(MODERATORS, is_staff=True)
    moderate.withdraw_thread(moderator, withdrawn, "个人信息")
    tester = member(CORE_TESTERS)
    beta = thread(tester, slug="beta", title="内测帖")
    shown = MeetupFactory(title="公开见面会")
    draft = MeetupFactory(title="草稿", status=Meetup.Status.DRAFT)
    proposal = MeetupFactory(title="待审", kind=Meetup.Kind.FAN, approval=Meetup.Approval.PENDING)

    sections = _locations(client, "/sitemap.xml")
    assert sections, "the index lists the sections"
    urls = [url for section in sections for url in _locations(client, section)]
    assert all(url.startswith(SITE + "/") for url in urls)
    paths = {url.removeprefix(SITE) for url in urls}
    assert public.get_absolute_url() in paths and shown.get_absolute_url() in paths
    assert "/forum/b/general/" in paths
    for left_out in (withdrawn, beta, draft, proposal):
        assert left_out.get_absolute_url() not in paths
    assert "/forum/b/beta/" not in paths


def test_thread_sitemap_pages_are_ranges_of_ids_one_query_each(django_assert_num_queries):
    threads = [thread(title=f"帖子 {n}") for n in range(5)]
    first = threads[0].pk
    Thread.objects.filter(pk=threads[1].pk).update(hidden_at=timezone.now())
    queryset = Thread.objects.filter(hidden_at__isnull=True)
    paginator = IdRangePaginator(queryset, 2)
    with django_assert_num_queries(1):
        assert paginator.num_pages == -(-threads[-1].pk // 2)
    pages = [list(paginator.page(n).object_list) for n in range(1, paginator.num_pages + 1)]
    seen = [t.pk for page in pages for t in page]
    assert seen == sorted(seen) and all(len(page) <= 2 for page in pages)
    assert set(seen) >= {t.pk for t in threads} - {threads[1].pk}
    assert threads[1].pk not in seen and first in seen
    sql = str(paginator.page(1).object_list.query)
    assert re.search(r'ORDER BY "forum_thread"\."id" ASC', sql) and "OFFSET" not in sql


@override_settings(SITE_URL=SITE)
def test_sitemap_sections_cost_a_few_queries_and_refuse_pages_that_do_not_exist(client, django_assert_max_num_queries):
    for n in range(3):
        thread(title=f"帖子 {n}")
    with django_assert_max_num_queries(3):  # the largest id, the page's range of threads (public boards inline)
        assert len(_locations(client, "/sitemap-threads.xml")) == 3
    with django_assert_max_num_queries(8):
        assert len(_locations(client, "/sitemap.xml")) == 3
    for url in ("/sitemap-threads.xml?p=2", "/sitemap-threads.xml?p=0", "/sitemap-threads.xml?p=x", "/sitemap-x.xml"):
        assert client.get(url).status_code == 404, url
