"""Reads of the moderation page, the log and the navigation count, each narrowed in SQL to the boards
the viewer moderates (`forum.moderators.moderated_boards`, the SQL side of `can_moderate`)."""

import hashlib

from django.core.cache import cache
from django.db import connections
from django.db.models import Q, QuerySet

from accounts.models import User
from fancity.lib.dbrouting import read_alias
from forum.models import Board, HeldPost, ModerationAction, Post, Report, Thread
from forum.moderators import NavBoards, is_site_moderator, moderated_boards
from forum.queries import Pages
from forum.visibility import board_public_sql

PER_PAGE = 20
LOG_PER_PAGE = 50
COUNT_TTL = 30


def _page(queryset: QuerySet, page: int, per_page: int) -> tuple[list, Pages]:
    """One page and whether another follows (one row more is read), without counting the rows."""
    start = (page - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return rows[:per_page], Pages(page, None, len(rows) > per_page)


def open_reports(user: User, page: int, board: Board | None = None) -> tuple[list[Report], Pages]:
    """Open reports on the boards `user` moderates, oldest first, with the post in context."""
    reports = Report.objects.filter(resolved_at__isnull=True, post__thread__board__in=moderated_boards(user))
    if board is not None:
        reports = reports.filter(post__thread__board=board)
    reports = reports.select_related("reporter", "post__author", "post__thread__board").order_by("created_at", "id")
    return _page(reports, page, PER_PAGE)


def waiting_posts(user: User, board: Board | None = None) -> list[HeldPost]:
    """Held posts waiting for a moderator of their board, oldest first (at most a page)."""
    held = HeldPost.objects.filter(decided_at__isnull=True, board__in=moderated_boards(user))
    if board is not None:
        held = held.filter(board=board)
    return list(held.select_related("author", "board", "thread").order_by("created_at", "id")[:PER_PAGE])


def held_by(author: User) -> list[HeldPost]:
    """A fan's own held posts, newest first: waiting, approved or not."""
    return list(HeldPost.objects.filter(author=author).select_related("board", "thread", "post").order_by("-id")[:50])


def moderation_log(user: User, page: int, **filters) -> tuple[list[ModerationAction], Pages]:
    """The log entries `user` may read (the boards they moderate; site-wide moderators also see the
    entries of no board), newest first, narrowed by `filters`: board, moderator, kind, fan."""
    visible = Q(board__in=moderated_boards(user))
    if is_site_moderator(user):
        visible |= Q(board__isnull=True)
    actions = ModerationAction.objects.filter(visible)
    for name in ("board", "moderator", "fan"):
        if filters.get(name) is not None:
            actions = actions.filter(**{name: filters[name]})
    if filters.get("kind"):
        actions = actions.filter(kind=filters["kind"])
    actions = actions.select_related("moderator", "board", "thread", "post", "fan").order_by("-created_at", "-id")
    return _page(actions, page, LOG_PER_PAGE)


def waiting_count(boards: NavBoards) -> int:
    """Open reports plus held posts on these boards: one query (two small index scans), kept 30 s."""
    key = "forum:mod-count:" + hashlib.blake2b(repr(boards).encode(), digest_size=12).hexdigest()
    count = cache.get(key)
    if count is None:
        where = f"(%(every)s OR b.id = ANY(%(ids)s)) AND (%(beta)s OR {board_public_sql('b')})"
        with connections[read_alias()].cursor() as cursor:  # a replica's count will do (fancity.lib.dbrouting)
            cursor.execute(
                f"SELECT (SELECT count(*) FROM {Report._meta.db_table} r "
                f"JOIN {Post._meta.db_table} p ON p.id = r.post_id "
                f"JOIN {Thread._meta.db_table} t ON t.id = p.thread_id "
                f"JOIN {Board._meta.db_table} b ON b.id = t.board_id WHERE r.resolved_at IS NULL AND {where}) + "
                f"(SELECT count(*) FROM {HeldPost._meta.db_table} h "
                f"JOIN {Board._meta.db_table} b ON b.id = h.board_id WHERE h.decided_at IS NULL AND {where})",
                {"every": boards.every, "ids": list(boards.ids), "beta": boards.beta},
            )
            count = cursor.fetchone()[0]
        cache.set(key, count, COUNT_TTL)
    return count
