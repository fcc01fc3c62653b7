"""`{% kept value ... %}...{% endkept %}`: a block of a page's chrome memoised on the values it lists.

The block is rendered once per worker for each set of the listed values (and language and time zone)
and then served from memory (fancity.lib.memo, the site's one HTML memo, with its budget). It is for
chrome that shows the same to many readers and depends on a short list of plain values (text,
numbers, booleans, dates, None): the navigation, a page's head, tabs and filters.

Every value the block reads must be listed. Under `HTML_MEMO_VERIFY` (DEBUG and the tests) every
block served from memory is also rendered afresh and compared, so a value read but not listed raises
`memo.StaleMemo` naming the block. A `{% csrf_token %}` inside a block is kept as the memo's token
slot and filled with this request's token on every render (as the post fragments are), so a form
stays inside its block and no reader ever gets another's token.
"""

import datetime
import itertools

from django import template
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe

from fancity.lib import memo

register = template.Library()
_block_ids = itertools.count()
_PLAIN = (str, int, float, datetime.date, type(None))  # bool is an int, datetime a date


class KeptNode(template.Node):
    def __init__(self, nodelist, values):
        # A number of its own rather than the template's name and line: a template made from a string
        # has no name, and without the cached loader the same block is compiled again with a new number.
        self.nodelist, self.values, self.block_id = nodelist, values, next(_block_ids)

    @cached_property
    def name(self) -> str:
        origin = getattr(self, "origin", None)
        where = (origin.template_name or origin.name) if origin else "?"
        return f"{{% kept %}} at {where}:{getattr(getattr(self, 'token', None), 'lineno', '?')}"

    def render(self, context):
        values = tuple(value.resolve(context) for value in self.values)
        for value in values:
            if not isinstance(value, _PLAIN):
                raise TypeError(f"{{% kept %}} takes plain values, not {type(value).__name__} ({value!r})")
        html = memo.render_one(self.name, memo.key(f"kept{self.block_id}", values), lambda: self._render(context))
        if memo.TOKEN_SLOT in html:  # the page's token (the context's is made once per request)
            html = memo.fill_token(html, str(context.get("csrf_token", "")))
        return mark_safe(html)

    def _render(self, context) -> str:
        with context.push(csrf_token=memo.TOKEN_SLOT):
            return self.nodelist.render(context)


@register.tag
def kept(parser, token):
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, values)
