"""Cards: the frozen dataclasses hot reads return, one per fragment, whose fields are what it shows.

A card's fields are declared once and everything else derives from them, so nothing can drift:

* `select(Card, alias)` is the statement's SELECT list: a `column()` field reads the column of the
  same name of the table the statement calls `alias` (or an SQL expression of it), a `nested()` card
  reads its own table, a `computed()` field is not read (the read passes it, as `build(..., **values)`);
* `build(Card, row)` makes the card from that row, and `from_instance(Card, obj)` from a model
  instance the ORM loaded with `.only(*orm_fields(Card))` (fields named as the model's attributes);
* the card's value (its `repr`, every field) is its fragment's cache key: a template that receives only the card
  cannot show a value its key lacks.

Adding a value to a fragment is one field on its card and one line in its template.
"""

import dataclasses
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

C = TypeVar("C")

_SQL, _CARD, _ALIAS, _COMPUTED = "cards.sql", "cards.card", "cards.alias", "cards.computed"


def column(sql: str = "", **kwargs: Any) -> Any:
    """A field read from the card's table: its column of the same name, or the SQL expression `sql`
    written with `{t}` for the table's alias in the statement."""
    return dataclasses.field(metadata={_SQL: sql}, **kwargs)


def nested(card: type, alias: str, **kwargs: Any) -> Any:
    """A card within the card, read from the table the statement calls `alias`; None when that card's
    first column is NULL (an outer join that found nothing)."""
    return dataclasses.field(metadata={_CARD: card, _ALIAS: alias}, **kwargs)


def computed(**kwargs: Any) -> Any:
    """A field the read works out in Python (the time in words, a badge) and passes to `build`."""
    return dataclasses.field(metadata={_COMPUTED: True}, **kwargs)


_plans: dict[type, tuple[tuple[str, str, Any], ...]] = {}


def _plan(card: type) -> tuple[tuple[str, str, Any], ...]:
    """(kind, name, SQL or nested card) per field, in order (worked out once per card)."""
    if (known := _plans.get(card)) is not None:
        return known
    plan = []
    for f in dataclasses.fields(card):
        if _SQL in f.metadata:
            plan.append(("column", f.name, f.metadata[_SQL] or f"{{t}}.{f.name}"))
        elif _CARD in f.metadata:
            plan.append(("card", f.name, (f.metadata[_CARD], f.metadata[_ALIAS])))
        elif _COMPUTED in f.metadata:
            plan.append(("computed", f.name, None))
        else:
            raise TypeError(f"{card.__name__}.{f.name} is neither column(), nested() nor computed()")
    _plans[card] = tuple(plan)
    return _plans[card]


def columns(card: type, alias: str) -> list[str]:
    """The SQL expressions of `card`'s columns and its nested cards' columns, in the order `build` reads."""
    out = []
    for kind, name, source in _plan(card):
        if kind == "column":
            out.append(source.format(t=alias, name=name))
        elif kind == "card":
            out.extend(columns(*source))
    return out


def select(card: type, alias: str) -> str:
    """The SELECT list that `build(card, row)` reads."""
    return ", ".join(columns(card, alias))


def width(card: type) -> int:
    return len(columns(card, ""))


def build(card: type[C], row: Sequence, start: int = 0, **values: Any) -> C:
    """The card from `row[start:]` (as `select` lists it), with its computed fields from `values`."""
    return _maker(card)(row, start, values)


_makers: dict[type, Callable[[Sequence, int, dict], Any]] = {}


def _maker(card: type) -> Callable[[Sequence, int, dict], Any]:
    """How `build` makes `card` from a row, worked out once per card: runs of columns taken as one
    slice, nested cards by their own maker, SQL arrays (the `tuple[...]` fields) frozen into tuples."""
    if (known := _makers.get(card)) is not None:
        return known
    hints = typing.get_type_hints(card)
    steps: list[tuple[tuple[str, ...], Any, int]] = []  # (column names, None, count) or ((name,), maker, width)
    arrays, computed_names = [], []
    for kind, name, source in _plan(card):
        if kind == "column":
            if steps and steps[-1][1] is None:
                steps[-1] = ((*steps[-1][0], name), None, steps[-1][2] + 1)
            else:
                steps.append(((name,), None, 1))
            if _is_tuple(hints[name]):
                arrays.append(name)
        elif kind == "card":
            steps.append(((name,), _maker(source[0]), width(source[0])))
        else:
            computed_names.append(name)

    def make(row: Sequence, start: int, values: dict) -> Any:
        kwargs: dict[str, Any] = {}
        for names, nested_maker, count in steps:
            if nested_maker is None:
                kwargs.update(zip(names, row[start : start + count], strict=True))
            else:  # None when its first column is NULL (an outer join that found nothing)
                kwargs[names[0]] = None if row[start] is None else nested_maker(row, start, {})
            start += count
        for name in arrays:
            if kwargs[name] is not None:
                kwargs[name] = tuple(kwargs[name])
        for name in computed_names:
            kwargs[name] = values[name]
        return card(**kwargs)

    _makers[card] = make
    return make


def _is_tuple(hint: Any) -> bool:
    """`tuple[...]` or `tuple[...] | None`."""
    return typing.get_origin(hint) is tuple or any(typing.get_origin(arg) is tuple for arg in typing.get_args(hint))


def orm_fields(card: type, prefix: str = "") -> list[str]:
    """The names to give `.only()` (and `select_related`'s paths) for `from_instance`: the card's plain
    columns and its nested cards' ones (columns written as SQL expressions are left out)."""
    out = []
    for kind, name, source in _plan(card):
        if kind == "column" and source != f"{{t}}.{name}":
            continue  # an SQL expression: no model field of that name
        if kind == "column":
            out.append(prefix + name)
        elif kind == "card":
            out.extend(orm_fields(source[0], f"{prefix}{name}__"))
    return out


def from_instance(card: type[C], obj: Any, **values: Any) -> C:
    """The card from a model instance the ORM loaded (`orm_fields`), with its computed fields from
    `values`; a nested card from the related instance of the same name."""
    kwargs = {}
    for kind, name, source in _plan(card):
        if kind == "column":
            kwargs[name] = getattr(obj, name)
        elif kind == "card":
            related = getattr(obj, name)
            kwargs[name] = None if related is None else from_instance(source[0], related)
        else:
            kwargs[name] = values[name]
    return card(**kwargs)
