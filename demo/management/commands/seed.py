"""Fill the database with a realistic forum for benchmarks: `python manage.py seed [--posts N ...]`.

Rows go in with PostgreSQL COPY (psycopg 3 `cursor.copy`); the secondary indexes of the post table
are dropped during the load and built once at the end, which is far faster than maintaining them
row by row. Texts mix Chinese and English and come from a pool of generated posts, so that
tokenising for search (forum/reading/search.py) is done once per pooled text rather than per row.
"""

import datetime
import random
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape

from accounts.models import City, User
from forum.boards import ensure_city_boards, ensure_fixed_boards
from forum.models import Board, BoardKind, FeedbackKind, FeedbackStatus, Post, Thread
from forum.reading import search

ZH = (
    "手机 刷机 系统 更新 电池 续航 充电 屏幕 相机 拍照 夜景 信号 蓝牙 耳机 无法 开机 重启 卡顿 发热 流畅 "
    "版本 内测 体验 建议 问题 反馈 官方 客服 售后 维修 价格 优惠 活动 同城 聚会 周末 报名 粉丝 朋友 推荐 "
    "壳子 贴膜 桌面 主题 字体 通知 应用 游戏 性能 跑分 内存 存储 备份 恢复 数据 账号 登录 密码 指纹 面部 "
    "解锁 导航 地图 定位 音量 扬声器 麦克风 通话 短信 网络 流量 热点 设置 功能 界面 动画 深色 模式 省电 "
    "我 你 他 我们 大家 今天 昨天 刚才 已经 还是 但是 因为 所以 如果 感觉 觉得 非常 有点 一直 经常 突然 "
    "终于 希望 可以 不能 怎么 为什么 什么 哪里 好用 好看 满意 失望 喜欢 谢谢 请问 求助 分享 教程 经验"
).split()
EN = (
    "the a is it my phone update battery screen camera after before works fine broken please help thanks "
    "anyone else same issue here new version beta launcher widget charging wifi bluetooth signal slow fast "
    "really great love this feature would like to see dark mode meetup weekend city club join us"
).split()
# Zipf-like word frequencies over a shuffled order, and the benchmark's word 刷机 in about 1% of posts.
_RANKS = random.Random(7).sample(range(len(ZH)), len(ZH))
ZH_WEIGHTS = [0.004 if word == "刷机" else 1 / (r + 1) for word, r in zip(ZH, _RANKS, strict=True)]
TITLES_ZH = ["求助", "分享", "讨论", "反馈", "建议", "请教", "心得", "吐槽"]
POOL = 40_000
STAFF_NAME = "seedstaff"


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return "".join(rng.choices(ZH, ZH_WEIGHTS, k=rng.randint(4, 14))) + rng.choice("。！？，")
    words = rng.choices(EN, k=rng.randint(4, 14))
    return " ".join(words).capitalize() + rng.choice(".!?")


def _text(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))


class Command(BaseCommand):
    help = "Fill the database with fans, threads and posts for benchmarks (COPY; minutes, not hours)."

    def add_arguments(self, parser):
        parser.add_argument("--fans", type=int, default=100_000)
        parser.add_argument("--threads", type=int, default=50_000)
        parser.add_argument("--posts", type=int, default=1_000_000, help="all posts, first posts included")
        parser.add_argument("--big-thread", type=int, default=5_000, help="posts in the one very long thread")
        parser.add_argument("--random-seed", type=int, default=1)

    def log(self, message: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:6.1f}s] {message}")
        self.stdout.flush()

    def handle(self, *args, fans, threads, posts, big_thread, random_seed, **options):
        self.started = time.monotonic()
        if threads < 1 or fans < 1 or posts < threads + big_thread - 1:
            raise CommandError("Need at least one fan and thread, and posts >= threads + big-thread - 1.")
        if User.objects.filter(username="seed0").exists():
            raise CommandError("This database is already seeded (user seed0 exists). Use a fresh database.")
        rng = random.Random(random_seed)
        ensure_fixed_boards()
        ensure_city_boards()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
        fan_ids = self.seed_fans(rng, fans)
        self.seed_forum(rng, fan_ids, threads, posts, big_thread)
        self.log("VACUUM ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.log(f"Done: {fans} fans, {threads} threads, {posts} posts.")

    def seed_fans(self, rng: random.Random, count: int) -> list[int]:
        self.log(f"{count} fans")
        cities = list(City.objects.values_list("pk", flat=True))
        weights = [1 / (i + 1) ** 0.7 for i in range(len(cities))]
        password = make_password("seed-pass")
        now = timezone.now()
        columns = [
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "display_name",
            "city_id",
            "bio",
            "avatar",
            "language",
            "muted_emails",
            "ban_reason",
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {User._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
                for n in range(count):
                    copy.write_row(
                        (
                            password,
                            False,
                            f"seed{n}",
                            "",
                            "",
                            f"seed{n}@seed.example",
                            False,
                            True,
                            now - datetime.timedelta(days=rng.randint(2, 900)),
                            f"粉丝{n}",
                            rng.choices(cities, weights)[0] if cities else None,
                            "",
                            "",
                            "",
                            "[]",
                            "",
                        )
                    )
            User.objects.create(
                username=STAFF_NAME,
                email="seedstaff@seed.example",
                is_staff=True,
                password=password,
                display_name="官方客服",
            )
        return list(
            User.objects.filter(username__startswith="seed")
            .exclude(username=STAFF_NAME)
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def seed_forum(self, rng, fan_ids, thread_count, post_count, big_thread) -> None:
        self.log(f"text pool of {POOL}")
        pool = []
        for _ in range(POOL):
            body = _text(rng)
            pool.append((body, f"<p>{escape(body)}</p>", search.vector_literal("", body)))
        staff_id = User.objects.get(username=STAFF_NAME).pk
        boards = list(Board.objects.exclude(kind=BoardKind.ANNOUNCEMENTS))
        kind_weights: dict[str, int] = {BoardKind.GENERAL: 300, BoardKind.FEEDBACK: 120, BoardKind.BETA: 10}
        board_weights = [kind_weights.get(b.kind, 1) for b in boards]
        general = next(b for b in boards if b.kind == BoardKind.GENERAL)
        # Replies per thread: skewed, a few threads get many; thread 0 is the very long one.
        replies = [0] * thread_count
        replies[0] = big_thread - 1
        spread = post_count - thread_count - (big_thread - 1)
        if thread_count > 1:
            # Capped, so that no thread outgrows the very long one.
            weights = [min(rng.paretovariate(1.3), 40.0) for _ in range(thread_count - 1)]
            for i in rng.choices(range(1, thread_count), weights, k=spread):
                replies[i] += 1
        else:
            replies[0] += spread
        self.log("threads and posts (COPY)")
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM forum_thread")
            first_thread = cursor.fetchone()[0] + 1
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM forum_post")
            next_post = cursor.fetchone()[0] + 1
        thread_columns = [
            "id",
            "board_id",
            "author_id",
            "title",
            "created_at",
            "is_pinned",
            "is_locked",
            "is_featured",
            "post_count",
            "reply_count",
            "view_count",
            "last_post_at",
            "last_poster_id",
            "feedback_kind",
            "device_model",
            "software_version",
            "status",
            "me_too_count",
            "hidden_reason",
        ]
        post_columns = [
            "id",
            "thread_id",
            "floor",
            "author_id",
            "body",
            "html",
            "by_staff",
            "created_at",
            "hidden_reason",
            "like_count",
            "search",
        ]
        dropped = self.drop_post_indexes()
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {Thread._meta.db_table} ({', '.join(thread_columns)}) FROM STDIN") as tcopy:
                posts_rows = []
                for n in range(thread_count):
                    tid = first_thread + n
                    board = general if n == 0 else rng.choices(boards, board_weights)[0]
                    floors = replies[n] + 1
                    created = now - datetime.timedelta(seconds=rng.randint(3600, 365 * 86400))
                    step = max(1, int((now - created).total_seconds() // (floors + 1)))
                    author = rng.choice(fan_ids)
                    title = (
                        f"{rng.choice(TITLES_ZH)}：" + "".join(rng.choices(ZH, ZH_WEIGHTS, k=rng.randint(2, 5)))
                        if rng.random() < 0.7
                        else " ".join(rng.choices(EN, k=rng.randint(3, 7))).capitalize()
                    )
                    when = created
                    poster = author
                    for floor in range(1, floors + 1):
                        if floor > 1:
                            poster = staff_id if rng.random() < 0.01 else rng.choice(fan_ids)
                            when = when + datetime.timedelta(seconds=rng.randint(1, 2 * step))
                        body, html, vector = pool[rng.randrange(POOL)]
                        if floor == 1:
                            vector = search.vector_literal(title, body)
                        posts_rows.append(
                            (
                                next_post,
                                tid,
                                floor,
                                poster,
                                body,
                                html,
                                poster == staff_id,
                                when,
                                "",
                                rng.randint(0, 3) if rng.random() < 0.3 else 0,
                                vector,
                            )
                        )
                        next_post += 1
                    is_feedback = board.kind == BoardKind.FEEDBACK
                    tcopy.write_row(
                        (
                            tid,
                            board.pk,
                            author,
                            title[:120],
                            created,
                            False,
                            False,
                            False,
                            floors,
                            floors - 1,
                            rng.randint(floors, floors * 20),
                            when,
                            poster,
                            rng.choice(FeedbackKind.values) if is_feedback else "",
                            "",
                            "",
                            rng.choice(FeedbackStatus.values[:5]) if is_feedback else "",
                            rng.randint(0, 40) if is_feedback else 0,
                            "",
                        )
                    )
            self.log(f"{thread_count} threads copied; copying {len(posts_rows)} posts")
            with raw.copy(f"COPY {Post._meta.db_table} ({', '.join(post_columns)}) FROM STDIN") as pcopy:
                for row in posts_rows:
                    pcopy.write_row(row)
            del posts_rows
            self.log("sequences and board counters")
            for table in (Thread._meta.db_table, Post._meta.db_table):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cursor.execute("""
                UPDATE forum_board b SET thread_count = s.threads, post_count = s.posts
                FROM (SELECT board_id, COUNT(*) AS threads, SUM(post_count) AS posts
                      FROM forum_thread GROUP BY board_id) s
                WHERE b.id = s.board_id""")
            cursor.execute("""
                UPDATE forum_board b
                SET last_thread_id = l.id, last_post_at = l.last_post_at, last_poster_id = l.last_poster_id
                FROM (SELECT DISTINCT ON (board_id) board_id, id, last_post_at, last_poster_id FROM forum_thread
                      ORDER BY board_id, last_post_at DESC) l
                WHERE b.id = l.board_id""")
        self.log(f"building {len(dropped)} post indexes")
        with connection.cursor() as cursor:
            for definition in dropped:
                cursor.execute(definition)

    def drop_post_indexes(self) -> list[str]:
        """Drop the post table's plain indexes (not the ones behind constraints); return their definitions."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
                [Post._meta.db_table],
            )
            rows = cursor.fetchall()
            for name, _definition in rows:
                cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _name, definition in rows]
