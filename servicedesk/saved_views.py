"""An agent's saved queue views: a name and the search's URL parameters, in their sidebar only."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from servicedesk.models import SavedView
from servicedesk.permissions import may_use_view, may_work_tickets

MAX_VIEWS = 30


def save(owner: User, name: str, query: str) -> SavedView:
    """Save (or, under the same name, replace) a view; the oldest goes past MAX_VIEWS."""
    if not may_work_tickets(owner):
        raise PermissionDenied
    name = " ".join(name.split())[:60]
    with transaction.atomic():
        view, _created = SavedView.objects.update_or_create(owner=owner, name=name, defaults={"query": query[:500]})
        extra = (
            SavedView.objects.filter(owner=owner)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[MAX_VIEWS:]
        )
        SavedView.objects.filter(pk__in=list(extra)).delete()
    return view


def delete(user: User, view_id: int) -> None:
    view = SavedView.objects.filter(pk=view_id).first()
    if view is None or not may_use_view(user, view.owner_id):
        raise PermissionDenied
    view.delete()
