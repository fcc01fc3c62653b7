"""Searching the queue by the fan's words, tokenised exactly as the forum's search (forum.reading.search: CJK
bigrams and lower-cased words in a tsvector behind a GIN index), so 刷机 finds "我刷机后无法开机" here too.

`Ticket.search` holds the subject and the fan's own messages (never staff answers or internal notes);
it is rebuilt when the ticket is made and each time the fan writes.
"""

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q

from forum.models import Post
from forum.reading.search import tsquery, vector_literal
from forum.writing.markup import plain_text
from servicedesk.models import PrivateMessage, Ticket

# Enough of a long conversation to find it by; the index stays small.
MAX_TEXT = 20_000


def fans_text(ticket: Ticket) -> str:
    if ticket.thread_id is not None:
        thread = ticket.thread
        assert thread is not None
        posts = Post.objects.filter(thread_id=ticket.thread_id, author_id=thread.author_id, deleted_at__isnull=True)
        htmls = list(posts.order_by("floor").values_list("html", flat=True)[:50])
    else:
        assert ticket.request is not None
        messages = PrivateMessage.objects.filter(request_id=ticket.request_id, author_id=ticket.request.fan_id)
        htmls = list(messages.order_by("created_at", "pk").values_list("html", flat=True)[:50])
    return "\n".join(plain_text(h) for h in htmls)[:MAX_TEXT]


def refresh(ticket: Ticket) -> None:
    """Rebuild the ticket's search document from its subject and the fan's messages."""
    Ticket.objects.filter(pk=ticket.pk).update(search=vector_literal(ticket.subject, fans_text(ticket)))


def matching(q: str) -> Q | None:
    """A filter for tickets whose fan's words match `q` (None when `q` has no searchable word)."""
    query = tsquery(q)
    if not query:
        return None
    return Q(search=SearchQuery(query, search_type="raw", config="simple"))
