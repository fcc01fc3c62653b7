"""The forum's part of a fan's personal data export (settings.PERSONAL_DATA_EXPORTS)."""

from accounts.models import User
from forum.models import Like, MeToo, Post, Report, Thread, Watch


def forum_data(user: User) -> dict:
    return {
        "forum": {
            "threads": [
                {
                    "id": t.pk,
                    "title": t.title,
                    "board": t.board.slug,
                    "created_at": t.created_at.isoformat(),
                    "feedback_kind": t.feedback_kind,
                    "device_model": t.device_model,
                    "software_version": t.software_version,
                    "status": t.status,
                }
                for t in Thread.objects.filter(author=user).select_related("board").order_by("pk")
            ],
            "posts": [
                {
                    "id": p.pk,
                    "thread": p.thread_id,
                    "floor": p.floor,
                    "body": p.body,
                    "created_at": p.created_at.isoformat(),
                    "edited_at": p.edited_at.isoformat() if p.edited_at else None,
                    "deleted": p.deleted_at is not None,
                    "hidden_reason": p.hidden_reason,
                }
                for p in Post.objects.filter(author=user).order_by("pk").iterator()
            ],
            "likes": list(Like.objects.filter(user=user).order_by("pk").values_list("post_id", flat=True)),
            "watching": list(Watch.objects.filter(user=user).order_by("pk").values_list("thread_id", flat=True)),
            "me_too": list(MeToo.objects.filter(user=user).order_by("pk").values_list("thread_id", flat=True)),
            "reports": [
                {"post": r.post_id, "reason": r.reason, "created_at": r.created_at.isoformat()}
                for r in Report.objects.filter(reporter=user).order_by("pk")
            ],
        }
    }
