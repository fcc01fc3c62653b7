"""What fans write: threads and replies (posting), their checks (limits, screening), Markdown, drafts,
edit history, likes, bookmarks, the feedback workflow and the notifications these send."""
