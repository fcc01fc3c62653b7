"""Every admin page opens, for every object state the apps create, for everyone who may see it.

For each model in the admin (ours and django-celery-beat's): the list (plain, searched, and with each
of its own filters' choices), the change page of every object (up to a bound per model), the add page
and the autocomplete of each autocomplete field, as a superuser and as each staff role: 200 where the
role holds the permission, 403 where it does not. Never a 500.
"""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.site.admin_states import ROLE_GROUPS, build_all, role_user

pytestmark = pytest.mark.django_db

ROWS_PER_MODEL = 40


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _lists(request, model_admin) -> list[str]:
    """The list page as staff open it: plain, searched, and with each choice of its own list filters."""
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    urls = [url]
    if model_admin.search_fields:
        urls.append(url + "?q=%E7%B2%89")  # 粉
    for spec in model_admin.list_filter:
        if isinstance(spec, type) and issubclass(spec, admin.SimpleListFilter):
            choices = spec(request, {}, model_admin.model, model_admin).lookup_choices
            urls += [f"{url}?{spec.parameter_name}={value}" for value, _ in choices]
    return urls


def _pages(user) -> list[tuple[str, int]]:
    """Every admin page and the status `user` must get there."""
    request = _request(user)
    pages = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        may_view = model_admin.has_view_or_change_permission(request)
        status = 200 if may_view else 403
        pages += [(url, status) for url in _lists(request, model_admin)]
        rows = list(model._default_manager.order_by("pk")[:ROWS_PER_MODEL])
        for obj in rows if may_view else rows[:1]:
            pages.append((reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), status))
        may_add = model_admin.has_add_permission(request)
        pages.append((reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), 200 if may_add else 403))
        for field in model_admin.get_autocomplete_fields(request):
            # Django's rule: whoever may view the model the field points to may search it.
            remote = admin.site._registry[opts.get_field(field).remote_field.model]
            query = f"?app_label={opts.app_label}&model_name={opts.model_name}&field_name={field}&term=%E6%B7%B1"
            pages.append((reverse("admin:autocomplete") + query, 200 if remote.has_view_permission(request) else 403))
    return pages


@pytest.mark.parametrize("role", ["superuser", *ROLE_GROUPS])
def test_every_admin_page_opens_for_every_object_state(client, role):
    build_all()
    user = role_user(role, language="zh-hans")
    client.force_login(user)
    pages = _pages(user)
    wrong = []
    for url, expected in pages:
        status = client.get(url).status_code
        if status != expected:
            wrong.append((url, status, expected))
    assert not wrong, wrong
    assert sum(1 for _, expected in pages if expected == 200) > (100 if role == "superuser" else 5)
