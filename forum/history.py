"""Edit history: every edit keeps the text it replaced (forum/README.md, "Edit history").

`forum.posting.edit_post` calls `keep_version` in its transaction, with the post's row locked. The
versions page shows each version rendered (the HTML stored when it was current) and a line diff of
its source against the version before. Who may see them: whoever may see the post; the versions of
a hidden or deleted post only its board's moderators.
"""

import difflib
from dataclasses import dataclass, field

from django.http import Http404

from accounts.models import User
from forum.boards import can_see
from forum.models import Post, PostVersion
from forum.moderators import can_moderate


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
    board = post.thread.board
    if not can_see(user, board):
        return False
    return post.is_visible or can_moderate(user, board)


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


def _changes(before: str, after: str, before_title: str, after_title: str) -> list[tuple[str, str]]:
    old = ([f"# {before_title}", ""] if before_title != after_title else []) + before.splitlines()
    new = ([f"# {after_title}", ""] if before_title != after_title else []) + after.splitlines()
    out = []
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
    """Every version of `post`, newest first, each with its changes from the one before; Http404 for
    a viewer who may not see them (the same answer as for a post that does not exist)."""
    if not may_see_versions(user, post):
        raise Http404
    rows = list(post.versions.select_related("edited_by").order_by("edited_at", "pk"))
    out: list[Version] = []
    author, at = post.author, post.created_at
    for number, row in enumerate(rows, start=1):
        out.append(Version(number, author, at, row.body, row.html, row.title))
        author, at = row.edited_by, row.edited_at
    title = post.thread.title if post.floor == 1 else ""
    out.append(Version(len(rows) + 1, author, post.edited_at or at, post.body, post.html, title, current=True))
    for before, after in zip(out, out[1:], strict=False):
        after.changes = _changes(before.body, after.body, before.title, after.title)
    return list(reversed(out))


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
