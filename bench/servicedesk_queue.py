#!/usr/bin/env python3
"""Benchmark the agent's queue: 10,000 open tickets, 50 agents in 5 teams, 20 tags, and closed history.

    python3 bench/servicedesk_queue.py [--open 10000 --closed 100000 --agents 50] [--runs 10]

Starts a throwaway PostgreSQL and Redis, migrates, and bulk-creates the fans, feedback threads and
tickets (open ones spread over new / claimed / reopened, each with a team, a tag, a first-answer due time
and a search document of Chinese and English words built as `servicedesk.search` builds them). Then it
renders each queue page `--runs` times in-process through Django's test client, signed in as one agent,
and prints the median and the slowest time and the number of queries.
"""

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import devtools  # noqa: E402

devtools.ensure_venv()

WORDS = ["刷机", "无法开机", "黑屏", "订单", "快递", "电池", "发热", "battery", "screen", "update", "卡顿", "信号"]


def seed(open_count: int, closed: int, agent_count: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import SERVICE_DESK
    from forum.models import Board, Thread
    from forum.reading.search import vector_literal
    from servicedesk.models import OPEN_STATES, Priority, Tag, Team, Ticket, TicketState

    rng = random.Random(7)
    now = timezone.now()
    fans = User.objects.bulk_create(
        (User(username=f"bfan{n}", email=f"bfan{n}@example.com", password="!") for n in range(10_000)), batch_size=5000
    )
    agents = User.objects.bulk_create(
        (User(username=f"agent{n}", password="!", is_staff=True) for n in range(agent_count)), batch_size=1000
    )
    Group.objects.get(name=SERVICE_DESK).user_set.add(*agents)
    teams = [Team.objects.create(name=f"组{n}") for n in range(5)]
    for n, agent in enumerate(agents):
        teams[n % 5].members.add(agent)
    tags = Tag.objects.bulk_create(Tag(name=f"tag{n}") for n in range(20))
    board = Board.objects.get(slug="feedback")
    total = open_count + closed
    start = time.perf_counter()
    for offset in range(0, total, 10_000):
        size = min(10_000, total - offset)
        threads = Thread.objects.bulk_create(
            (
                Thread(board=board, author=fans[(offset + n) % len(fans)], title=f"问题 {offset + n}",
                       created_at=now, last_post_at=now, status="open")
                for n in range(size)
            ),
            batch_size=5000,
        )  # fmt: skip
        rows = []
        for n, thread in enumerate(threads):
            i = offset + n
            is_open = i < open_count
            text = " ".join(rng.sample(WORDS, 3))
            age = datetime.timedelta(minutes=rng.randint(1, 60 * 24 * 30))
            rows.append(
                Ticket(
                    thread=thread, created_at=now - age, escalated_at=now - age, waiting_since=now - age,
                    priority=Priority.URGENT if i % 10 == 0 else Priority.NORMAL,
                    state=OPEN_STATES[i % 3] if is_open else TicketState.SOLVED,
                    claimed_by=agents[i % agent_count] if (not is_open or i % 3) else None, team=teams[i % 5],
                    response_due=now - age + datetime.timedelta(hours=4), search=vector_literal(thread.title, text),
                )
            )  # fmt: skip
        tickets = Ticket.objects.bulk_create(rows, batch_size=2000)
        Ticket.tags.through.objects.bulk_create(
            (Ticket.tags.through(ticket_id=t.pk, tag_id=tags[(offset + n) % 20].pk) for n, t in enumerate(tickets)),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  {time.perf_counter() - start:6.1f}s  seeded {total:,} tickets ({open_count:,} open)", flush=True)
    return {"agent": agents[1].pk, "team": teams[2].pk, "other": agents[7].pk}


def measure(ids: dict, runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(pk=ids["agent"]))
    pages = [
        "/staff/queue/",
        "/staff/queue/?page=150",
        "/staff/queue/?scope=mine",
        "/staff/queue/?scope=team",
        "/staff/queue/?scope=unassigned&page=20",
        "/staff/queue/?q=%E5%88%B7%E6%9C%BA",  # 刷机
        "/staff/queue/?q=battery&tag=tag3",
        "/staff/queue/?breached=1",
        f"/staff/queue/?agent={ids['other']}&team={ids['team']}&older_than_hours=48",
        "/staff/queue/?state=all&q=%E9%BB%91%E5%B1%8F",  # 黑屏 in open and closed
    ]
    for path in pages:
        client.get(path)
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
        print(
            f"{path:72} median {statistics.median(times):6.1f} ms  slowest {max(times):6.1f} ms  "
            f"{len(queries.captured_queries)} queries",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--closed", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        ids = seed(args.open, args.closed, args.agents)
        measure(ids, args.runs)
        return
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fancity.settings")
    datadir = devtools.ROOT / ".data" / "bench-servicedesk-queue"
    with devtools.services(datadir, throwaway=True, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("migrate", "-v", "0")
        command = [sys.executable, __file__, "--inner", "--open", str(args.open), "--closed", str(args.closed)]
        subprocess.run(
            [*command, "--agents", str(args.agents), "--runs", str(args.runs)], check=True, cwd=devtools.ROOT
        )


if __name__ == "__main__":
    main()
