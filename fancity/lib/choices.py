"""Choices a form learns when it is made (the agents of the desk, a fan's devices): one helper, so that
every form narrows the field to a choice field the same way before it sets them."""

from collections.abc import Iterable

from django import forms


def set_choices(form: forms.BaseForm, name: str, choices: Iterable) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), f"{name} is not a choice field"
    field.choices = list(choices)
