"""The one way the site memoises HTML: rendered once, kept under the full value of what it shows.

A piece of HTML is kept under a key made of **every value it shows** (plus the language, the time
zone and what identifies the template or block), never under a version number or a lifetime: a
changed value is a new key, so a kept copy is never stale and nothing has to be invalidated.

Two layers:

* each worker keeps the pieces it used last in its own memory (`Store`), at most
  `settings.HTML_MEMO_BYTES` in all (the one budget: `sys.getsizeof` of keys and HTML), least
  recently used out first;
* pieces rendered for many pages (posts, board rows, search hits: `render_many(..., shared=True)`)
  are also kept in Redis (the `default` cache, a day), so that a worker that has not seen them
  fetches them in one round trip instead of rendering them. The page's chrome (`{% kept %}`),
  pagination links and blank forms stay in the worker: rendering them costs about a round trip.

**Verification.** With `settings.HTML_MEMO_VERIFY` (on under DEBUG and in the tests) every piece
served from the memo is also rendered afresh and compared with the kept copy; a difference raises
`StaleMemo` naming the block. A value the HTML shows but its key leaves out therefore fails a test
instead of serving stale HTML.

**CSRF.** A kept piece never holds a request's CSRF token. Pieces that hold forms (`{% kept %}`
blocks, what a fan sees under a post) are rendered with `TOKEN_SLOT` where the token goes and filled
with the request's own token each time they are served (`fill_token`).
"""

import functools
import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.template.backends.django import Template
from django.template.loader import get_template
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

# Stands in for the request's CSRF token in a kept fragment; `fill_token` puts each page's own there.
TOKEN_SLOT = "csrf0slot0of0a0memoised0fragment000000000000000000000000000000000"
# How long the shared layer keeps a piece: long enough for a popular thread's pages to stay warm.
SHARED_SECONDS = 24 * 3600


class StaleMemo(AssertionError):
    """A kept piece of HTML differs from a fresh render: its key leaves out a value it shows."""


class Store:
    """The pieces of HTML a worker used last, by key, at most `size` bytes of keys and HTML in all.
    A lock, for the threads of a threaded server."""

    def __init__(self, size: int):
        self.size, self.held = size, 0
        self.items: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def cost(key: str, html: str) -> int:
        return sys.getsizeof(key) + sys.getsizeof(html)

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        with self.lock:
            found = {key: self.items[key] for key in keys if key in self.items}
            for key in found:
                self.items.move_to_end(key)
        return found

    def remember(self, pieces: dict[str, str]) -> None:
        with self.lock:
            for key, html in pieces.items():
                if key in self.items:
                    self.items.move_to_end(key)
                else:
                    self.items[key] = html
                    self.held += self.cost(key, html)
            while self.held > self.size:
                key, html = self.items.popitem(last=False)
                self.held -= self.cost(key, html)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.held = 0


class _Worker:
    """This worker's store, made on first use with the size settings give (tests may change it)."""

    def __init__(self) -> None:
        self.store: Store | None = None

    def __call__(self) -> Store:
        size = settings.HTML_MEMO_BYTES
        if self.store is None or self.store.size != size:
            self.store = Store(size)
        return self.store


worker = _Worker()


def key(block: str, values: Any) -> str:
    """The key of the HTML `block` (a template and its source digest, or a kept block's id) renders
    for `values`, in the reader's language and time zone. `values` must show in its `repr` every value
    the HTML shows (plain values, tuples of them, frozen dataclasses)."""
    return keys(block, (values,))[0]


def keys(block: str, many: Iterable[Any]) -> list[str]:
    """`key(block, values)` for each `values` of `many` (the reader's language and zone read once)."""
    reader = (get_language(), get_current_timezone_name())
    verify = settings.HTML_MEMO_VERIFY
    out = []
    for values in many:
        shown = repr((reader, values))
        if verify and " object at 0x" in shown:  # a new key on every render: never served
            raise TypeError(f"{block}: a memo key holds an object that shows only its address: {shown[:200]}")
        out.append(f"html:{block}:{hashlib.blake2b(shown.encode(), digest_size=16).hexdigest()}")
    return out


def template(name: str) -> tuple[Template, str]:
    """The template `name`, and what names it in a key: its name and a digest of its source, so that
    a changed template (a deploy, an edit under DEBUG) never serves the HTML of the old one."""
    found = cast(Template, get_template(name))
    return found, f"{name}@{_digest(found.template.source)}"


@functools.lru_cache(maxsize=512)
def _digest(source: str) -> str:
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()


def render_template(name: str, context: dict[str, Any] | Callable[[], dict[str, Any]], values: Any) -> str:
    """Template `name` rendered with `context` (or what it returns, when it is worth making only on a
    miss), kept by this worker under `values`: every value the template reads must show in `values`."""
    found, block = template(name)
    return render_one(name, key(block, values), lambda: found.render(context() if callable(context) else context))


def render_many(name: str, keys: Sequence[str], render: Callable[[int], str], *, shared: bool = False) -> list[str]:
    """The HTML for each of `keys`: kept by this worker, else (if `shared`) kept in Redis, else
    `render(i)` for the i-th key, which is then kept. `name` names the block in a `StaleMemo`."""
    store = worker()
    found = store.get_many(keys)
    if shared and (missing := [k for k in keys if k not in found]):
        from_redis = cache.get_many(missing)
        store.remember(from_redis)
        found.update(from_redis)
    verify = settings.HTML_MEMO_VERIFY
    fresh: dict[str, str] = {}
    out = []
    for i, k in enumerate(keys):
        html = found.get(k) or fresh.get(k)  # (two items of a page may share a key)
        if html is None:
            html = fresh[k] = render(i)
        elif verify:
            check(name, k, html, render(i))
        out.append(html)
    if fresh:
        store.remember(fresh)
        if shared:
            cache.set_many(fresh, SHARED_SECONDS)
    return out


def render_one(name: str, key: str, render: Callable[[], str]) -> str:
    """`render_many` for one piece, kept by this worker only."""
    return render_many(name, [key], lambda _i: render())[0]


def check(name: str, key: str, kept: str, fresh: str) -> None:
    if kept != fresh:
        at = next((i for i, (a, b) in enumerate(zip(kept, fresh, strict=False)) if a != b), min(len(kept), len(fresh)))
        raise StaleMemo(
            f"{name}: the memoised HTML differs from a fresh render, so its key ({key}) leaves out a value "
            f"the block shows. Kept: {kept[max(0, at - 60) : at + 60]!r}; fresh: {fresh[max(0, at - 60) : at + 60]!r}"
        )


def fill_token(html: str, token: str) -> str:
    """A kept fragment with this request's CSRF `token` in its slot."""
    return html.replace(TOKEN_SLOT, token) if TOKEN_SLOT in html else html
