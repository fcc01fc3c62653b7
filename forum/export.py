"""The forum's part of a fan's personal data: exported (settings.PERSONAL_DATA_EXPORTS) and erased
when the account is deleted (settings.PERSONAL_DATA_ERASERS)."""

from django.db.models import F
from django.db.models.functions import Greatest

from accounts.models import User
from forum.models import Like, MeToo, Post, ReadMark, Report, Thread, Watch
from forum.visibility import is_public_post, is_public_thread


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
                    "public": is_public_thread(t),  # whether anyone may read it (forum.visibility)
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
                    "public": is_public_post(p),
                }
                for p in Post.objects.filter(author=user).select_related("thread__board").order_by("pk").iterator()
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


def erase_forum_data(user: User) -> None:
    """In the account deletion's transaction. Threads and posts stay, signed "deleted user" (the
    conversation around them needs them); what says only something about the fan goes: watches,
    read marks, likes and "me too" votes (the counters on the posts and threads drop with them, as
    when a fan takes a like back), and reports already resolved. An open report stays until a
    moderator resolves it: it is about someone else's post.
    """
    liked = Like.objects.filter(user=user)
    Post.objects.filter(pk__in=liked.values("post_id")).update(like_count=Greatest(F("like_count") - 1, 0))
    liked.delete()
    voted = MeToo.objects.filter(user=user)
    Thread.objects.filter(pk__in=voted.values("thread_id")).update(me_too_count=Greatest(F("me_too_count") - 1, 0))
    voted.delete()
    Watch.objects.filter(user=user).delete()
    ReadMark.objects.filter(user=user).delete()
    Report.objects.filter(reporter=user, resolved_at__isnull=False).delete()
