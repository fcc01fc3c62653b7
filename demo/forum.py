"""Demo boards and threads for a newcomer's site (idempotent: does nothing once the demo threads exist)."""

import datetime

from django.utils import timezone

from accounts.models import User
from forum import boards
from forum.models import Board, FeedbackStatus, Post, Thread
from forum.writing import feedback, posting

MARKER = "欢迎来到 Fancity 论坛"

THREADS = [
    (
        "general",
        "大家用的什么手机壳？",
        "最近想换个手机壳，求推荐 **耐摔** 的款式。",
        ["我用的是官方的硅胶壳，手感不错。", "推荐透明壳，可以看到原来的颜色。", "@fan 你那个壳在哪买的？"],
    ),
    (
        "general",
        "Which launcher do you use?",
        "I switched to the stock launcher again, it is *fast* now.",
        ["Stock launcher here too.", "我还是喜欢第三方桌面。"],
    ),
    (
        "city-shenzhen",
        "深圳粉丝周末聚会",
        "这个周六下午在南山有线下活动，有兴趣的来报名！",
        ["报名！", "可以带朋友吗？"],
    ),
    ("city-beijing", "北京同城会新人报到", "大家好，我刚搬到北京，想认识更多粉丝。", ["欢迎欢迎！"]),
]


def _fans(count: int) -> list[User]:
    return list(User.objects.filter(username__startswith="demo").order_by("username")[:count])


def _backdate(thread: Thread, start: datetime.datetime) -> None:
    """Spread a demo thread's posts over the past so the posting interval never blocks the next demo write."""
    for i, post in enumerate(thread.posts.order_by("floor")):
        Post.objects.filter(pk=post.pk).update(created_at=start + datetime.timedelta(minutes=7 * i))
    Thread.objects.filter(pk=thread.pk).update(created_at=start)


def load() -> list[str]:
    boards.ensure_city_boards()
    if Thread.objects.filter(title=MARKER).exists():
        return []
    staff = User.objects.get(username="staff")
    fan = User.objects.get(username="fan")
    fans = iter(_fans(60))
    now = timezone.now()
    welcome = posting.start_thread(
        staff,
        boards.announcements_board(),
        MARKER,
        "请先阅读版规：友善交流，不发广告。\n\nPlease be kind and do not advertise.",
    )
    Thread.objects.filter(pk=welcome.pk).update(is_pinned=True)
    _backdate(welcome, now - datetime.timedelta(days=3))
    for n, (slug, title, body, replies) in enumerate(THREADS):
        thread = posting.start_thread(next(fans), Board.objects.get(slug=slug), title, body)
        for text in replies:
            posting.post_reply(next(fans), thread, text)
        _backdate(thread, now - datetime.timedelta(days=2, hours=n))
    beta = posting.start_thread(
        fan, Board.objects.get(slug="beta"), "内测版 2.0 体验报告", "新版本的动画更流畅了，但耗电有点快。"
    )
    _backdate(beta, now - datetime.timedelta(days=1))
    bug = posting.start_thread(
        next(fans),
        Board.objects.get(slug="feedback"),
        "更新后蓝牙耳机经常断开",
        "升级到 2.1.0 之后，蓝牙耳机每隔几分钟就断开一次。",
        feedback_kind="bug",
        device_model="Fancity X1",
        software_version="2.1.0",
    )
    for _i in range(3):
        feedback.toggle_me_too(next(fans), bug)
    feedback.change_feedback_status(staff, bug, FeedbackStatus.ACKNOWLEDGED, "已复现，正在排查。")
    answer = posting.post_reply(staff, bug, "感谢反馈！我们已经定位到问题，将在 2.1.1 版本修复。")
    feedback.mark_official_answer(staff, answer)
    _backdate(bug, now - datetime.timedelta(hours=20))
    idea = posting.start_thread(
        next(fans),
        Board.objects.get(slug="feedback"),
        "建议增加深色模式定时切换",
        "希望可以设置晚上自动切换到深色模式。",
        feedback_kind="suggestion",
    )
    _backdate(idea, now - datetime.timedelta(hours=10))
    return ["Forum: demo threads in /forum/ (the fan account is a core tester and sees the beta board)."]
