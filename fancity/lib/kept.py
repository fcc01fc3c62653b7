"""HTML a worker keeps in its own memory, keyed on everything it shows.

`Kept` holds the most recently used pieces of HTML of a worker, bounded by their size. Its users
key each piece on the values it shows, never on a version number: a changed value is a new key, so
a kept piece is never stale and nothing has to be forgotten.

`{% kept value ... %}...{% endkept %}` (the template library "kept") keeps a block of a page that
shows the same to many readers, the page's chrome: it is rendered once per worker for each set of
the listed values (and language and time zone), then served from memory. Every value the block
reads must be listed, as plain values (text, numbers, booleans, dates, None), which is checked on
every render. A `{% csrf_token %}` inside is kept as a placeholder and each request gets its own.
"""

import datetime
import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterable

from django import template
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

# Stands in for the request's CSRF token in kept HTML; each page puts its own token there.
CSRF_PLACEHOLDER = "csrf0placeholder0for0a0cached0fragment0000000000000000000000000000"


class Kept:
    """The pieces of HTML a worker used last, by key, at most `size` characters of them in all. A lock,
    for the threads of a threaded server."""

    def __init__(self, size: int):
        self.size, self.held, self.items, self.lock = size, 0, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            html = self.items.get(key)
            if html is not None:
                self.items.move_to_end(key)
        return html

    def get_many(self, keys: Iterable) -> dict:
        with self.lock:
            found = {key: self.items[key] for key in keys if key in self.items}
            for key in found:
                self.items.move_to_end(key)
        return found

    def remember(self, pieces: dict) -> None:
        with self.lock:
            for key, html in pieces.items():
                if key in self.items:
                    self.items.move_to_end(key)
                else:
                    self.items[key] = html
                    self.held += len(html)
            while self.held > self.size:
                _, html = self.items.popitem(last=False)
                self.held -= len(html)


def with_token(html: str, token) -> str:
    """Kept `html` with this request's CSRF `token` in place of the placeholder."""
    return html.replace(CSRF_PLACEHOLDER, str(token)) if CSRF_PLACEHOLDER in html else html


register = template.Library()
_blocks = Kept(size=5_000_000)  # characters: a page's chrome is a few KB
_block_ids = itertools.count()
_PLAIN = (str, int, float, datetime.date, type(None))  # bool is an int, datetime a date


class KeptNode(template.Node):
    def __init__(self, nodelist, values):
        # A number of its own rather than the template's name and line: a template made from a string
        # has no name, and without the cached loader the same block is compiled again with a new number.
        self.nodelist, self.values, self.block_id = nodelist, values, next(_block_ids)

    def render(self, context):
        values = tuple(value.resolve(context) for value in self.values)
        for value in values:
            if not isinstance(value, _PLAIN):
                raise TypeError(f"{{% kept %}} takes plain values, not {type(value).__name__} ({value!r})")
        token = context.get("csrf_token")
        if token is None:  # not a request's page (a mail, say): no token to put in, nothing worth keeping
            return self.nodelist.render(context)
        key = (self.block_id, get_language(), get_current_timezone_name(), values)
        html = _blocks.get(key)
        if html is None:
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                html = self.nodelist.render(context)
            _blocks.remember({key: html})
        return mark_safe(with_token(html, token))


@register.tag
def kept(parser, token):
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, values)
