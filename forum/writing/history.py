"""Edit history: every edit keeps the text it replaced (forum/README.md, "Edit history").

`forum.writing.posting.edit_post` calls `keep_version` in its transaction, with the post's row locked. The
versions page shows each version rendered (the HTML stored when it was current) and a line diff of
its source against the version before.

Who reads what (forum.permissions): every reader of a post sees that it was edited, when and by whom;
the text of its earlier versions only its author and its board's moderators, since fans edit to take
something out (a phone number) and that must not stay public. The author or a moderator may hide an
earlier version (`hide_version`, logged): its text is then for the author and site-wide moderators only.
"""

import difflib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from forum.models import ModerationAction, ModerationKind, Post, PostVersion
from forum.permissions import may_hide_version, may_read_hidden_version, may_read_post, may_read_versions


def keep_version(post: Post, editor: User) -> PostVersion:
    """Store `post`'s text as it is now (call before changing it), replaced by `editor` now."""
    return PostVersion.objects.create(
        post=post,
        body=post.body,
        html=post.html,
        title=post.thread.title if post.floor == 1 else "",
        edited_by=editor,
    )


def may_see_versions(user: User, post: Post) -> bool:
    """The versions page: whoever may read the post (what it shows them: `versions`)."""
    return may_read_post(user, post)


@dataclass
class Version:
    number: int
    author: User
    at: object
    body: str
    html: str
    title: str
    current: bool = False
    changes: list[tuple[str, str]] = field(default_factory=list)  # (kind: add / del / same / gap, line)
    pk: int | None = None  # the PostVersion row of an earlier version
    readable: bool = True  # whether this viewer may read its text (else body, html and title are empty)
    hidden_at: object = None
    hidden_by: User | None = None
    may_hide: bool = False
    may_unhide: bool = False


def _changes(before: str, after: str, before_title: str, after_title: str) -> list[tuple[str, str]]:
    old = ([f"# {before_title}", ""] if before_title != after_title else []) + before.splitlines()
    new = ([f"# {after_title}", ""] if before_title != after_title else []) + after.splitlines()
    out: list[tuple[str, str]] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(2):
        if out:
            out.append(("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(("same", line) for line in old[i1:i2])
                continue
            out.extend(("del", line) for line in old[i1:i2])
            out.extend(("add", line) for line in new[j1:j2])
    return out


def versions(user: User, post: Post) -> list[Version]:
    """Every version of `post`, newest first, each with its changes from the one before, the text only
    where this viewer may read it (a change is shown only between two versions they may read); Http404
    for a viewer who may not read the post (the same answer as for a post that does not exist)."""
    if not may_see_versions(user, post):
        raise Http404
    rows = list(post.versions.select_related("edited_by", "hidden_by").order_by("edited_at", "pk"))
    reads = may_read_versions(user, post)
    reads_hidden = reads and may_read_hidden_version(user, post)
    hides = reads and may_hide_version(user, post)
    out: list[Version] = []
    author, at = post.author, post.created_at
    for number, row in enumerate(rows, start=1):
        readable = reads and (row.hidden_at is None or reads_hidden)
        shown = (row.body, row.html, row.title) if readable else ("", "", "")
        out.append(
            Version(
                number,
                author,
                at,
                *shown,
                pk=row.pk,
                readable=readable,
                hidden_at=row.hidden_at,
                hidden_by=row.hidden_by if reads else None,
                may_hide=hides and row.hidden_at is None,
                may_unhide=reads_hidden and hides and row.hidden_at is not None,
            )
        )
        author, at = row.edited_by, row.edited_at
    title = post.thread.title if post.floor == 1 else ""
    out.append(Version(len(rows) + 1, author, post.edited_at or at, post.body, post.html, title, current=True))
    for before, after in zip(out, out[1:], strict=False):
        if before.readable and after.readable:
            after.changes = _changes(before.body, after.body, before.title, after.title)
    return list(reversed(out))


def _set_hidden(user: User, version: PostVersion, hidden: bool, reason: str) -> None:
    post = Post.objects.select_related("thread__board", "author").get(pk=version.post_id)
    allowed = may_hide_version(user, post) and (hidden or may_read_hidden_version(user, post))
    if not allowed:
        raise PermissionDenied
    with transaction.atomic():
        changed = PostVersion.objects.filter(pk=version.pk, hidden_at__isnull=hidden).update(
            hidden_at=timezone.now() if hidden else None, hidden_by=user if hidden else None
        )
        if changed:
            earlier = Q(edited_at__lt=version.edited_at) | Q(edited_at=version.edited_at, pk__lt=version.pk)
            number = PostVersion.objects.filter(earlier, post_id=post.pk).count() + 1
            ModerationAction.objects.create(
                moderator=user,
                kind=ModerationKind.HIDE_VERSION if hidden else ModerationKind.UNHIDE_VERSION,
                board=post.thread.board,
                thread=post.thread,
                post=post,
                fan=post.author,
                reason=(reason or "").strip().replace("\x00", "")[:500],
                detail=f"v{number}",
            )


def hide_version(user: User, version: PostVersion, reason: str = "") -> None:
    """Hide an earlier version's text (the post's author or a moderator of its board), logged in the
    moderation log; afterwards only the author and site-wide moderators read it."""
    _set_hidden(user, version, True, reason)


def unhide_version(user: User, version: PostVersion, reason: str = "") -> None:
    """Show a hidden version to the post's author and its board's moderators again (those who may read
    it hidden: the author and site-wide moderators), logged."""
    _set_hidden(user, version, False, reason)


# --- personal data -----------------------------------------------------------------------------


def versions_data(user: User) -> dict:
    """settings.PERSONAL_DATA_EXPORTS: earlier versions of the fan's posts, and edits the fan made."""
    rows = PostVersion.objects.filter(post__author=user) | PostVersion.objects.filter(edited_by=user)
    return {
        "forum_post_versions": [
            {
                "post": v.post_id,
                "title": v.title,
                "body": v.body,
                "replaced_at": v.edited_at.isoformat(),
                "replaced_by_you": v.edited_by_id == user.pk,
            }
            for v in rows.order_by("pk")
        ]
    }


def erase_versions(user: User) -> None:
    """settings.PERSONAL_DATA_ERASERS: a fan's posts stay (signed "deleted user") with their current
    text, but the texts they replaced go, since a fan often edits to take something out."""
    PostVersion.objects.filter(post__author=user).delete()
