"""Every `enqueue(...)` in the apps, and every beat entry, names a registered task and gives it arguments it takes.

Work is queued by the task's name (`enqueue("forum.tasks.process_attachment", attachment.pk)`), so
that a write module never imports its tasks module. A name is only a string: this reads every call in
the source, so a misspelt or renamed task fails here, before any code path that queues it has run.
"""

import ast
import inspect
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django_celery_beat.models import PeriodicTask

from outbox.queueing import registered

ROOT = Path(__file__).resolve().parents[2]
ROOT_PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]


@dataclass(frozen=True)
class Call:
    where: str
    name: str | None  # None: the first argument is not a string written out
    positional: int  # arguments after the name
    keywords: tuple[str, ...]
    spread: bool  # *args or **kwargs: only what is written out can be checked


def _calls(source: str, where: str) -> list[Call]:
    calls = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not (isinstance(func, ast.Name) and func.id == "enqueue") and not (
            isinstance(func, ast.Attribute) and func.attr == "enqueue"
        ):
            continue
        first = node.args[0] if node.args else None
        name = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        rest = node.args[1:]
        calls.append(
            Call(
                where=f"{where}:{node.lineno}",
                name=name,
                positional=sum(not isinstance(a, ast.Starred) for a in rest),
                keywords=tuple(k.arg for k in node.keywords if k.arg is not None),
                spread=any(isinstance(a, ast.Starred) for a in rest) or any(k.arg is None for k in node.keywords),
            )
        )
    return calls


def _app_calls() -> list[Call]:
    calls = []
    for package in ROOT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                calls += _calls(path.read_text(), str(path.relative_to(ROOT)))
    return calls


def _problem(call: Call) -> str | None:
    if call.name is None:
        return "queue by the task's name, written out as a string"
    try:
        task = registered(call.name)
    except LookupError as error:
        return str(error)
    signature = inspect.signature(task.run)
    bind = signature.bind_partial if call.spread else signature.bind
    try:
        bind(*[None] * call.positional, **dict.fromkeys(call.keywords))
    except TypeError as error:
        return f"{call.name}{signature}: {error}"
    return None


def test_every_queued_task_is_registered_and_takes_the_arguments_given():
    calls = _app_calls()
    assert {"forum.tasks.process_attachment", "accounts.tasks.send_email", "meetups.tasks.announce_meetup"} <= {
        c.name for c in calls
    }
    problems = [f"{call.where}: {problem}" for call in calls if (problem := _problem(call))]
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_misspelt_name_wrong_arguments_and_a_task_object():
    source = """
enqueue("forum.tasks.process_attachments", 1)
enqueue("forum.tasks.process_attachment")
queueing.enqueue("forum.tasks.process_attachment", 1, 2)
enqueue("accounts.tasks.email_notifications", notification_ids=[1])
enqueue("meetups.tasks.tell_change_batch", *batch)
enqueue(process_attachment, 1)
"""
    problems = [_problem(call) for call in _calls(source, "example.py")]
    assert problems[0] == "No Celery task is registered as 'forum.tasks.process_attachments'"
    assert "missing a required argument: 'attachment_id'" in problems[1]
    assert "too many positional arguments" in problems[2]
    assert problems[3] is None  # a keyword it takes
    assert problems[4] is None  # spread: the rest is checked when it runs
    assert problems[5] == "queue by the task's name, written out as a string"


@pytest.mark.django_db
def test_every_beat_entry_names_a_registered_task_that_needs_no_arguments():
    """Beat queues by name too (the entries are rows written by migrations)."""
    problems = []
    for entry in PeriodicTask.objects.exclude(task__startswith="celery."):
        try:
            inspect.signature(registered(entry.task).run).bind(*json.loads(entry.args), **json.loads(entry.kwargs))
        except (LookupError, TypeError) as error:
            problems.append(f"{entry.name}: {error}")
    assert PeriodicTask.objects.filter(task="outbox.tasks.send_pending").exists()
    assert not problems, "\n".join(problems)
