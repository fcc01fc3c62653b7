#!/usr/bin/env python3
"""The WeChat webhook under a day's mix at 10x the model's peak rate, and what it does to forum pages.

    python3 bench/wechat.py [--messages 30000] [--rate 10] [--workers 3] [--senders 48]

The model account: 30,000 messages a day, 28,000 (93%) answered by keyword rules. Its busiest hour
carries about 12% of the day (3,600 messages, 1 a second), so 10x its peak is 10 messages a second.

Starts a throwaway PostgreSQL and Redis (demo data: the demo account, rules and service centres),
gunicorn (production settings), one Celery worker (2 processes), and the WeChat stand-in of the tests as the API
(access token, customer-service messages). Then:

1. forum pages alone: the forum index and a thread page, one request at a time, for --forum-seconds;
2. the mix, open loop: messages are due at a fixed rate (--rate a second) and sent by --senders
   threads, each signed and encrypted as WeChat does, from 5,000 fans: 93% texts and menu clicks a
   rule answers, 7% texts and pictures that go to the desk (Celery opens the tickets). A reply's
   time counts from when the message was due, so a backlog shows in it. The forum pages are read
   again meanwhile, at the same pace as in (1);
3. the same mix closed loop as fast as it goes (--burst messages): the throughput ceiling.

It prints messages a second, p50/p99/max of the passive reply, statuses, how many rows and tickets
were made, and forum page p50/p99 alone and under the load.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
import devtools  # noqa: E402

devtools.ensure_venv()

from tests.wechat import standin as wx  # noqa: E402

RULE_TEXTS = [
    "忘记密码了怎么办",
    "手机耗电太快",
    "battery drain after update",
    "怎么找回密码",
    "掉电快",
    "forgot password",
]
CLICKS = ["耗电", "忘记密码"]
DESK_TEXTS = ["屏幕有一条绿线", "相机对焦很慢", "the speaker crackles", "手机发烫严重", "蓝牙耳机断连"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def fmt(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {statistics.median(values) * 1000:7.1f} ms  p99 {pct(values, 0.99) * 1000:7.1f} ms  "
        f"max {max(values) * 1000:7.1f} ms  ({len(values)})"
    )


def shell(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


class Forum:
    """Reads the forum index and a thread page in turn, one at a time, recording each latency."""

    def __init__(self, port: int, thread_id: int):
        self.urls = [f"http://127.0.0.1:{port}/forum/", f"http://127.0.0.1:{port}/forum/t/{thread_id}/"]
        self.stop = threading.Event()
        self.latencies: list[float] = []

    def run(self, pause: float) -> None:
        n = 0
        while not self.stop.is_set():
            start = time.perf_counter()
            request = urllib.request.Request(self.urls[n % 2], headers={"Host": "localhost"})
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
            self.latencies.append(time.perf_counter() - start)
            n += 1
            self.stop.wait(pause)


def message(n: int, rng: random.Random) -> str:
    openid = f"bench-fan-{rng.randrange(5000):05d}"
    if rng.random() < 0.93:
        if rng.random() < 0.1:
            return wx.event(openid, "CLICK", key=rng.choice(CLICKS), create_time=int(time.time()) + n)
        return wx.text(openid, rng.choice(RULE_TEXTS), msg_id=10**12 + n)
    if rng.random() < 0.2:
        return wx.image(openid, msg_id=10**12 + n)
    return wx.text(openid, rng.choice(DESK_TEXTS), msg_id=10**12 + n)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=30000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--senders", type=int, default=48)
    parser.add_argument("--forum-seconds", type=float, default=60.0)
    args = parser.parse_args()

    datadir = Path(tempfile.mkdtemp(prefix="fancity-wechat-bench-"))
    port = devtools.free_port()
    api = wx.StandIn(app_id="wxfancitydemo001", token="fancity-demo-token", secret="fancity-demo-secret")
    api.aes_key = "ZmFuY2l0eS1kZW1vLWtleS0zMi1ieXRlcy1sb25nISE"  # demo/wechat.py
    api.crypto = wx.Crypto(api.aes_key, api.app_id)
    api.__enter__()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="fancity.settings",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        LOG_LEVEL="ERROR",
        FANCITY_DATA_DIR=str(datadir),
        WECHAT_API_BASE_URL=api.base_url,
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    with devtools.services(datadir, throwaway=True, pg_port=devtools.free_port(), redis_port=devtools.free_port()):
        devtools.manage("migrate", "--no-input", "-v", "0")
        devtools.manage("collectstatic", "--no-input", "-v", "0")
        devtools.manage("demo_data", "-v", "0")
        thread_id = int(shell("from forum.models import Thread; print(Thread.objects.order_by('-post_count')[0].pk)"))
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "fancity.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(args.workers)]
                + ["--access-logfile", "/dev/null", "--log-level", "warning", "--timeout", "120"],
                cwd=ROOT,
            ),
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "fancity", "worker", "-c", "2", "--loglevel", "WARNING"],
                cwd=ROOT,
            ),
        ]
        try:
            devtools.wait_for_port(port)
            webhook = f"http://127.0.0.1:{port}/wechat/brand/"
            rng = random.Random(26)
            for n in range(30):  # warm every worker (the first requests of a busy machine may be slow)
                for _attempt in range(5):
                    try:
                        api.post(webhook, message(n, rng))
                        break
                    except TimeoutError:
                        continue
            print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; gunicorn {args.workers} sync "
                  f"workers, 1 Celery worker (2 processes)", flush=True)  # fmt: skip

            forum = Forum(port, thread_id)
            alone = threading.Thread(target=forum.run, args=(0.2,))
            alone.start()
            time.sleep(args.forum_seconds)
            forum.stop.set()
            alone.join()
            print(f"forum pages alone            {fmt(forum.latencies)}", flush=True)

            replies: list[float] = []
            statuses: dict[int, int] = {}
            lock = threading.Lock()
            xmls = [message(n, rng) for n in range(100, 100 + args.messages)]
            t0 = time.perf_counter() + 1.0

            def send(n: int) -> None:
                due = t0 + n / args.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                reply = api.post(webhook, xmls[n])
                with lock:
                    replies.append(time.perf_counter() - due)
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1

            loaded = Forum(port, thread_id)
            reader = threading.Thread(target=loaded.run, args=(0.2,))
            reader.start()
            with ThreadPoolExecutor(args.senders) as pool:
                list(pool.map(send, range(args.messages)))
            elapsed = time.perf_counter() - t0
            loaded.stop.set()
            reader.join()
            print(f"mix at {args.rate:g}/s: {args.messages} messages in {elapsed:.0f} s "
                  f"({args.messages / elapsed:.1f}/s), statuses {statuses}, load average now "
                  f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
            print(f"passive reply (from due)     {fmt(replies)}", flush=True)
            print(f"forum pages under the mix    {fmt(loaded.latencies)}", flush=True)

            burst_xmls = [message(n, rng) for n in range(10**7, 10**7 + args.burst)]
            burst: list[float] = []

            def send_now(n: int) -> None:
                start = time.perf_counter()
                api.post(webhook, burst_xmls[n])
                with lock:
                    burst.append(time.perf_counter() - start)

            start = time.perf_counter()
            with ThreadPoolExecutor(args.workers * 4) as pool:
                list(pool.map(send_now, range(args.burst)))
            took = time.perf_counter() - start
            print(f"closed loop, {args.workers * 4} senders: {args.burst / took:.1f} messages/s  {fmt(burst)}")
            time.sleep(10)  # let the worker open the last tickets
            print(
                "rows: "
                + shell(
                    "from servicedesk.wechat.models import Inbound; from servicedesk.models import Ticket; "
                    "from django.db.models import Count; "
                    "print(dict(Inbound.objects.values_list('outcome').annotate(n=Count('id'))), "
                    "'wechat tickets', Ticket.objects.filter(request__channel='wechat').count())"
                )
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
            api.__exit__()
    return 0


if __name__ == "__main__":
    sys.exit(main())
