"""A fan's attachments in their data export and their erasure (settings.PERSONAL_DATA_EXPORTS and
PERSONAL_DATA_ERASERS)."""

from django.urls import reverse

from accounts.models import User
from forum.attachments.held import drop_held, held_extra
from forum.attachments.storing import drop_files, public_storage
from forum.models import Attachment, AttachmentKind, HeldPost


def attachments_data(user: User) -> dict:
    """settings.PERSONAL_DATA_EXPORTS: what the fan attached, with links to the files."""
    public = public_storage()
    return {
        "forum_attachments": [
            {
                "id": a.pk,
                "post": a.post_id,
                "kind": a.kind,
                "name": a.name,
                "size": a.size,
                "created_at": a.created_at.isoformat(),
                "url": public.url(a.web)
                if a.web
                else (reverse("forum:attachment", args=[a.pk]) if a.kind == AttachmentKind.LOG else ""),
            }
            for a in Attachment.objects.filter(uploader=user).order_by("pk")
        ]
    }


def erase_attachments(user: User) -> None:
    """settings.PERSONAL_DATA_ERASERS: every file the fan attached goes (rows now, files after the commit)."""
    drop_files(list(Attachment.objects.filter(uploader=user).select_for_update()))
    for extra in HeldPost.objects.filter(author=user, decided_at__isnull=True).values_list("extra", flat=True):
        drop_held(held_extra(extra)[1])
