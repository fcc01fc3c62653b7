#!/usr/bin/env python3
"""Where a thread page's time goes, anonymous and signed in, on the benchmark's data.

    python3 bench/profile_thread.py [--posts 1000000] [--requests 200] [--page last] [--memo worker]

Uses the database bench/forum_pages.py seeded (.data/bench-<posts>/; run that first) and its
signed-in reader: a seeded fan who has read the thread to its end (the re-read). Requests go through
the whole middleware stack in-process (Django's test client, DEBUG off), warm. For each reader it
prints the wall and CPU time a request takes, its SQL (count, time, the CPU PostgreSQL's backend
spent, and the statements of one request), and the time per request in the parts that differ
between the two readers (a timer around each): session, user, navigation, per-viewer state, likes,
the read mark, CSRF, kept blocks, rendering. `--memo` measures the HTML memo's layers (fancity.lib.memo):
"both" is production; "redis" gives the worker's store no room, so every fragment comes from Redis
(a worker that has not seen the page); "none" has no Redis either, so everything is rendered.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtools  # noqa: E402

devtools.ensure_venv()

# (label, module, attribute): each is wrapped in a timer for the measured run. Nested parts overlap
# (rendering includes the navigation and the CSRF tokens).
PARTS = [
    ("session load", "SESSION_ENGINE", "SessionStore.load"),
    ("user load (auth.get_user)", "django.contrib.auth", "get_user"),
    ("daily activity (record_activity)", "accounts.middleware", "record_activity"),
    ("thread + board (thread_for_page)", "forum.reading.queries", "thread_for_page"),
    ("posts, authors, quotes (thread_posts)", "forum.reading.queries", "thread_posts"),
    ("per-viewer state (thread_state)", "forum.reading.queries", "thread_state"),
    ("read mark (posting.mark_read)", "forum.writing.posting", "mark_read"),
    ("page context (views.thread_context)", "forum.reading.views", "thread_context"),
    ("fragments from Redis (fragments.posts)", "forum.reading.fragments", "posts"),
    ("rendering the page (render)", "forum.reading.views", "render"),
    ("  navigation (context processor)", "forum.context_processors", "navigation"),
    ("  CSRF tokens (get_token)", "django.template.context_processors", "get_token"),
    ("  form fields (Widget.render)", "django.forms.widgets", "Widget.render"),
    ("  post buttons (fragments.post_actions)", "forum.reading.fragments", "post_actions"),
    ("  kept blocks ({% kept %})", "fancity.lib.kept", "KeptNode.render"),
    ("  HTML memo (memo.render_many, rendering included)", "fancity.lib.memo", "render_many"),
]


def wrap_parts(totals: dict[str, tuple[float, float]]) -> None:
    import importlib
    import time as clock

    from django.conf import settings

    for label, module, attribute in PARTS:
        owner = importlib.import_module(settings.SESSION_ENGINE if module == "SESSION_ENGINE" else module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            start, cpu = clock.perf_counter(), clock.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                wall0, cpu0 = totals.get(_label, (0.0, 0.0))
                totals[_label] = (wall0 + clock.perf_counter() - start, cpu0 + clock.process_time() - cpu)

        setattr(owner, name, timed)


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used (Linux): for PostgreSQL's backend, whose work is not ours."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--page", choices=["first", "last"], default="first")
    parser.add_argument("--path", default="", help="profile this path instead of the 5,000-post thread")
    parser.add_argument("--cprofile", type=int, default=0, help="also print the N costliest functions (cProfile)")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative or tottime")
    parser.add_argument("--memo", choices=["both", "redis", "none"], default="both", help="the HTML memo's layers")
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="fancity.settings", DEBUG="0", SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING"
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    datadir = devtools.ROOT / ".data" / f"bench-{args.posts}"
    if not (datadir / "postgres").exists():
        sys.exit(f"no benchmark data in {datadir}: run bench/forum_pages.py --posts {args.posts} first")
    with devtools.services(datadir, throwaway=False, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("migrate", "--no-input", "-v", "0")
        import django

        sys.path.insert(0, str(devtools.ROOT))
        django.setup()
        from django.db import connection
        from django.test import Client

        sys.path.insert(0, str(devtools.ROOT / "bench"))
        from forum_pages import CSRF_COOKIE, sign_in  # noqa: PLC0415 - after django.setup()

        from forum.models import Thread

        big = Thread.objects.order_by("-post_count").values_list("pk", "post_count").first()
        path = args.path or f"/forum/t/{big[0]}/" + (f"?page={(big[1] + 19) // 20}" if args.page == "last" else "")
        session = sign_in([big[0]])
        readers = {"anonymous": Client(), "signed in": Client()}
        readers["signed in"].cookies["sessionid"] = session
        for client in readers.values():
            client.cookies["csrftoken"] = CSRF_COOKIE
        headers = {"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "zh-hans", "secure": False}

        if args.memo != "both":
            from django.conf import settings

            settings.HTML_MEMO_BYTES = 0  # the worker keeps nothing
        if args.memo == "none":
            from django.core.cache.backends.dummy import DummyCache

            from fancity.lib import memo

            memo.cache = DummyCache("none", {})
        totals: dict[str, tuple[float, float]] = {}
        wrap_parts(totals)
        for reader, client in readers.items():
            for _ in range(20):  # warm: caches, fragments, connections, the read mark
                response = client.get(path, **headers)
                assert response.status_code == 200, response.status_code
            if reader == "signed in":
                assert b"/accounts/logout/" in response.content, "the session does not sign in"

            statements: list[tuple[str, float]] = []

            def timed(execute, sql, params, many, context, statements=statements):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    statements.append((sql, time.perf_counter() - start))

            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            totals.clear()
            wall, cpu, pg_cpu = time.perf_counter(), time.process_time(), cpu_seconds(backend)
            with connection.execute_wrapper(timed):
                for _ in range(args.requests):
                    client.get(path, **headers)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            pg_cpu = cpu_seconds(backend) - pg_cpu
            if args.cprofile:
                profiler = cProfile.Profile()
                for _ in range(args.requests):
                    profiler.runcall(client.get, path, **headers)
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.cprofile)
            n = args.requests
            per = len(statements) // n
            print(f"\n== {reader}: {path}")
            print(
                f"per request: {wall / n * 1000:.2f} ms wall, {cpu / n * 1000:.2f} ms CPU; {per} SQL statements, "
                f"{sum(t for _, t in statements) / n * 1000:.2f} ms in SQL (round trips included), "
                f"{pg_cpu / n * 1000:.2f} ms of PostgreSQL's CPU"
            )
            for sql, took in statements[-per:] if per else []:
                print(f"   {took * 1000:6.2f} ms  {' '.join(sql.split())[:150]}")
            print("  per request, wall and CPU, in:")
            for label, _module, _attribute in PARTS:
                if label in totals:
                    part_wall, part_cpu = totals[label]
                    print(f"   {part_wall / n * 1000:6.2f} ms {part_cpu / n * 1000:6.2f} ms  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
