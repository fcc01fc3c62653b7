"""Public visibility written once (forum.visibility): the Python predicates, the SQL and the ORM's Q
objects agree on every state a post or thread can be in, the per-viewer rules agree with them for an
anonymous reader, every public read shows exactly what the rule calls public, and the board page's
partial indexes hold what the SQL says."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from accounts import wordfilter
from accounts.deletion import delete_account
from accounts.models import WordAction
from accounts.roles import CORE_TESTERS
from forum.models import Board, Draft, HeldPost, HotThread, Post, Thread
from forum.moderation import moderate
from forum.permissions import can_see, may_read_post, may_read_withdrawn
from forum.reading import hot, search
from forum.visibility import (
    board_public,
    candidate_post_sql,
    is_public_post,
    is_public_thread,
    public_post_q,
    public_post_sql,
    public_thread_q,
    public_thread_sql,
    thread_shown,
    thread_shown_sql,
)
from forum.writing import bookmarks, drafts, posting, screening
from forum.writing.screening import HeldForReview
from tests.forum.factories import fan, member, reply, staff, thread

pytestmark = pytest.mark.django_db

HOLD_WORD = "加微信"
MARK = "zqvis"  # in every post's text, for search


def _thread(author, name: str, slug: str = "general") -> Thread:
    return thread(author, slug=slug, title=f"[{name}]", body=f"{MARK} first post of {name}")


def _reply(author, t: Thread, name: str) -> Post:
    return reply(author, t, f"{MARK} reply in {name}")


# Each state: (builder, whether the thread is public, {floor: whether the post is public}, floors that
# only search's ranking lets through, to be left out by its hits). A builder gets the writer (a core
# tester, so that the beta board is open to them) and returns the thread.
def _public(w, name):
    t = _thread(w, name)
    _reply(fan(), t, name)
    return t


def _city_club(w, name):
    t = _thread(w, name, slug="city-shenzhen")
    _reply(fan(), t, name)
    return t


def _announcement(w, name):
    return thread(staff(), slug="announcements", title=f"[{name}]", body=f"{MARK} announced")


def _locked(w, name):
    t = _public(w, name)
    moderate.set_locked(staff(), t, True)
    return t


def _hidden_post(w, name):
    t = _thread(w, name)
    moderate.hide_post(staff(), _reply(fan(), t, name), "rude")
    return t


def _deleted_post(w, name):
    t, author = _thread(w, name), fan()
    posting.delete_post(author, _reply(author, t, name))
    return t


def _hidden_first_post(w, name):
    t = _thread(w, name)
    _reply(fan(), t, name)
    moderate.hide_post(staff(), t.posts.get(floor=1), "rude")
    return t


def _withdrawn(w, name):
    t = _thread(w, name)
    _reply(fan(), t, name)
    moderate.withdraw_thread(staff(), t, "personal data")
    return t


def _restored_in_withdrawn(w, name):
    """A moderator restores one post of a withdrawn thread: the post is shown, its thread still is not."""
    t = _withdrawn(w, name)
    moderate.unhide_post(staff(), t.posts.get(floor=2))
    return t


def _beta(w, name):
    t = _thread(w, name, slug="beta")
    _reply(w, t, name)
    return t


def _deleted_author(w, name):
    """A deleted account's posts stay public, signed "deleted user" (已注销用户), as the pages show."""
    t, author = _thread(w, name), fan()
    _reply(author, t, name)
    delete_account(author)
    return t


def _held_reply(w, name):
    """A reply held for review is a HeldPost, not a post: nothing shows it until a moderator approves."""
    t = _thread(w, name)
    with pytest.raises(HeldForReview) as held:
        posting.post_reply(fan(), t, f"{MARK} {HOLD_WORD} in {name}")
    screening.hold(held.value)
    assert HeldPost.objects.filter(thread=t, approved__isnull=True).exists()
    return t


def _draft(w, name):
    t = _thread(w, name)
    drafts.save_draft(fan(), f"{MARK} draft in {name}", thread=t)
    assert Draft.objects.filter(thread=t).exists()
    return t


STATES = {
    "public": (_public, True, {1: True, 2: True}, set()),
    "city club": (_city_club, True, {1: True, 2: True}, set()),
    "announcement": (_announcement, True, {1: True}, set()),
    "locked": (_locked, True, {1: True, 2: True}, set()),
    "hidden post": (_hidden_post, True, {1: True, 2: False}, set()),
    "deleted post": (_deleted_post, True, {1: True, 2: False}, set()),
    "hidden first post": (_hidden_first_post, True, {1: False, 2: True}, set()),
    "withdrawn thread": (_withdrawn, False, {1: False, 2: False}, set()),
    "restored in withdrawn": (_restored_in_withdrawn, False, {1: False, 2: False}, {2}),
    "beta board": (_beta, False, {1: False, 2: False}, set()),
    "deleted author": (_deleted_author, True, {1: True, 2: True}, set()),
    "held reply": (_held_reply, True, {1: True}, set()),
    "draft": (_draft, True, {1: True}, set()),
}


@pytest.fixture(autouse=True)
def hold_word(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        wordfilter.save_word(HOLD_WORD, WordAction.HOLD)


def _build(name: str) -> Thread:
    builder = STATES[name][0]
    return Thread.objects.select_related("board").get(pk=builder(member(CORE_TESTERS), name).pk)


def _ids(sql: str, params: list) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


_JOINED = "FROM forum_post p JOIN forum_thread t ON t.id = p.thread_id JOIN forum_board b ON b.id = t.board_id"


@pytest.mark.parametrize("name", STATES)
def test_python_sql_and_orm_agree_on_every_state(name):
    _builder, thread_public, posts_public, ranking_only = STATES[name]
    t = _build(name)
    posts = list(Post.objects.filter(thread=t).select_related("thread__board"))
    by_floor = {p.floor: p for p in posts}

    assert is_public_thread(t) == thread_public
    assert {p.floor: is_public_post(p) for p in posts} == posts_public
    for sees_beta in (False, True):
        in_python = {p.pk for p in posts if is_public_post(p, sees_beta)}
        in_sql = _ids(
            f"SELECT p.id {_JOINED} WHERE p.thread_id = %s AND {public_post_sql(sees_beta=sees_beta)}", [t.pk]
        )
        in_orm = set(Post.objects.filter(public_post_q(sees_beta=sees_beta), thread=t).values_list("pk", flat=True))
        assert in_sql == in_python == in_orm, sees_beta
        # Search's ranking tests the posts alone: a superset, which its hits narrow to the rule.
        candidates = _ids(
            f"SELECT p.id FROM forum_post p WHERE p.thread_id = %s AND {candidate_post_sql('p', sees_beta)}", [t.pk]
        )
        assert candidates - in_python == {by_floor[f].pk for f in ranking_only}
        thread_sql = _ids(
            f"SELECT t.id FROM forum_thread t JOIN forum_board b ON b.id = t.board_id "
            f"WHERE t.id = %s AND {public_thread_sql(sees_beta=sees_beta)}",
            [t.pk],
        )
        thread_orm = Thread.objects.filter(public_thread_q(sees_beta=sees_beta), pk=t.pk).exists()
        assert bool(thread_sql) == thread_orm == is_public_thread(t, sees_beta), sees_beta
    assert {p.floor: is_public_post(p, sees_beta=True) for p in posts} == (
        posts_public if name != "beta board" else {1: True, 2: True}
    )

    # The per-viewer rules, for an anonymous reader, are the public rule.
    anonymous = AnonymousUser()
    assert can_see(anonymous, t.board) == board_public(t.board)
    assert may_read_withdrawn(anonymous, t) == thread_shown(t)
    assert {p.floor: may_read_post(anonymous, p) for p in posts} == posts_public


def test_a_deleted_authors_posts_stay_readable_signed_deleted_user(client):
    t = _build("deleted author")
    html = client.get(t.get_absolute_url()).content.decode()
    assert f"{MARK} reply in deleted author" in html and "已注销用户" in html


def _texts(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _shown(html: str) -> set[str]:
    """The states whose thread title appears in `html`."""
    return {name for name in STATES if f"[{name}]" in html}


def test_every_public_read_shows_exactly_the_public_threads(client, django_capture_on_commit_callbacks):
    writer = member(CORE_TESTERS, username="writer")
    threads = {name: STATES[name][0](writer, name) for name in STATES}
    public = {name for name, (_b, thread_public, _p, _r) in STATES.items() if thread_public}
    with_public_posts = {name for name, (_b, _t, posts, _r) in STATES.items() if any(posts.values())}
    on_board = {
        slug: {name for name, t in threads.items() if t.board.slug == slug}
        for slug in ("general", "city-shenzhen", "announcements")
    }

    for slug, names in on_board.items():
        assert _shown(_texts(client, f"/forum/b/{slug}/")) == names & public, slug
        feed = _texts(client, f"/forum/b/{slug}/feed.atom")
        assert _shown(feed) == names & public, slug
    assert _shown(_texts(client, "/forum/search/?q=" + MARK)) == with_public_posts
    sitemap = _texts(client, "/sitemap-threads.xml")
    assert {name for name, t in threads.items() if f"/forum/t/{t.pk}/" in sitemap} == public
    assert _shown(_texts(client, "/")) & on_board["announcements"] == on_board["announcements"] & public
    # The writer's profile lists: their public threads, and their public posts (first posts here).
    assert _shown(_texts(client, "/forum/u/writer/threads/")) == public - {"announcement"}
    posts_page = _texts(client, "/forum/u/writer/posts/")
    first_public = {n for n in with_public_posts if STATES[n][2].get(1) and n != "announcement"}
    assert _shown(posts_page) == first_public
    # Bookmarks: a fan keeps every thread and sees the public ones.
    keeper = fan()
    for t in threads.values():
        if can_see(keeper, t.board):
            bookmarks.set_bookmark(keeper, t, True)
    assert {b.thread.title for b in bookmarks.bookmarks_page(keeper).bookmarks} == {f"[{n}]" for n in public}

    # Hot: threads with recent shown replies are ranked unless withdrawn or their first post is not shown
    # (the hot lists' own rule); the beta board's per board, out of the site's list for anonymous readers.
    with django_capture_on_commit_callbacks(execute=True):  # clears the lists' cache the home page filled
        hot.rank()
    ranked = set(HotThread.objects.values_list("thread__title", flat=True))
    assert ranked == {"[public]", "[city club]", "[locked]", "[beta board]", "[deleted author]"}
    site = {item.title for item in hot.for_site(AnonymousUser())}
    assert site == {"[public]", "[city club]", "[locked]", "[deleted author]"}

    # Search's two statements: the ranking lets the restored post of a withdrawn thread through, the hits
    # leave it out.
    scope = search.Scope(sees_beta=False)
    ranked_ids = {row[0] for row in search._ranked(search.tsquery(MARK), scope)}
    restored = threads["restored in withdrawn"].posts.get(floor=2)
    assert restored.pk in ranked_ids
    shown = search._hits(dict.fromkeys(sorted(ranked_ids), 1), scope, [MARK], "")
    assert shown and restored.pk not in {hit.id for hit in shown}


# --- the partial indexes -----------------------------------------------------------------------


def _predicate(index: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [index],
        )
        return cursor.fetchone()[0]


def _deparsed(table: str, predicate: str) -> str:
    """`predicate` as PostgreSQL prints it back for a partial index on a copy of `table`."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE visibility_probe (LIKE {table})")
        cursor.execute(f"CREATE INDEX visibility_probe_idx ON visibility_probe (id) WHERE {predicate}")
        cursor.execute(
            "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = 'visibility_probe_idx'"
        )
        (deparsed,) = cursor.fetchone()
        cursor.execute("DROP TABLE visibility_probe")
    return deparsed


@pytest.mark.parametrize(
    ("index", "extra"), [("thread_board_activity", None), ("thread_board_featured", "is_featured")]
)
def test_the_board_pages_partial_indexes_hold_the_threads_the_rule_shows(index, extra):
    """The migrations keep their own predicate (a migration must not change when the code does): if the
    thread's part of the rule changes, this fails until an index is made for the new rule."""
    rule = thread_shown_sql("")
    expected = _deparsed("forum_thread", f"{rule} AND {extra}" if extra else rule)
    assert _predicate(index) == expected
    assert re.fullmatch(r"\(+.*\)+", expected)  # PostgreSQL printed it back: it parsed


def test_moving_a_withdrawn_thread_keeps_it_out_of_both_boards_counts_and_last_cell():
    """A withdrawn thread is in no board's counts (withdraw_thread takes it out); a move must not put it in."""
    t = _build("withdrawn thread")
    old, new = Board.objects.get(slug="general"), Board.objects.get(slug="city-shenzhen")
    before = {b.slug: (b.thread_count, b.post_count) for b in (old, new)}
    moderate.move_thread(staff(), t, new)
    after = {
        b.slug: (b.thread_count, b.post_count, b.last_thread_id) for b in Board.objects.filter(pk__in=[old.pk, new.pk])
    }
    assert after["general"][:2] == before["general"] and after["city-shenzhen"][:2] == before["city-shenzhen"]
    assert after["city-shenzhen"][2] != t.pk
