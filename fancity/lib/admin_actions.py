"""Admin actions that call a write function once per selected object and never end in a 500, and the
admin of a log that only the site writes."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _


def refusal_text(error: Exception) -> str:
    """What a refused write says, for a message: every text of a ValidationError, or the error's own."""
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You are not allowed to do this.")


def run_each(
    modeladmin,
    request,
    objects: Iterable,
    call: Callable,
    done_message: str | Promise | None = None,
    refusals: tuple[type[Exception], ...] = (),
) -> int:
    """Call `call(obj)` for each object, each in its own transaction (a savepoint inside another).

    A refusal (ValidationError, PermissionDenied, or one of the app's `refusals`) rolls back that
    object only, is shown as an error message naming it, and the batch goes on with the next one.
    Returns how many succeeded; `done_message % {"n": done}` reports them.
    """
    done = 0
    refused: tuple[type[Exception], ...] = (ValidationError, PermissionDenied, *refusals)
    for obj in objects:
        try:
            with transaction.atomic():
                call(obj)
        except refused as error:
            modeladmin.message_user(request, f"{obj}: {refusal_text(error)}", messages.ERROR)
        else:
            done += 1
    if done and done_message:
        modeladmin.message_user(request, str(done_message) % {"n": done}, messages.SUCCESS)
    return done


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log the site's write functions keep (moderation, the door, messages to attendees): staff
    read it here, nobody adds, edits or deletes a row of it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
