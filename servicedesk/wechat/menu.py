"""The custom menu: defined in the admin (MenuItem rows), published through the menu API.

A click button's key is its keyword: WeChat sends it back in the click event and the webhook routes
it as if the fan had typed it (servicedesk.wechat.inbound).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from servicedesk.wechat.client import client_for
from servicedesk.wechat.models import Account, MenuItem
from servicedesk.wechat.permissions import may_broadcast

TOP, UNDER = 3, 5


def _button(item: MenuItem) -> dict:
    if item.kind == MenuItem.Kind.VIEW:
        return {"type": "view", "name": item.name, "url": item.url}
    return {"type": "click", "name": item.name, "key": item.keyword}


def menu_data(account: Account) -> dict:
    """The menu as WeChat's API takes it; ValidationError past WeChat's limits."""
    items = list(MenuItem.objects.filter(account=account).order_by("position", "id"))
    top = [i for i in items if i.parent_id is None]
    if not top:
        raise ValidationError(_("The menu has no buttons."))
    if len(top) > TOP:
        raise ValidationError(_("WeChat allows at most 3 buttons at the top of the menu."))
    buttons = []
    for item in top:
        children = [i for i in items if i.parent_id == item.pk]
        if len(children) > UNDER:
            raise ValidationError(_("WeChat allows at most 5 buttons under each top button."))
        if children:
            buttons.append({"name": item.name, "sub_button": [_button(c) for c in children]})
        else:
            buttons.append(_button(item))
    return {"button": buttons}


def publish(staff: User, account: Account) -> None:
    """Replace the account's menu in WeChat with the one defined in the admin."""
    if not may_broadcast(staff):
        raise PermissionDenied
    client_for(account).menu.create(menu_data(account))
    Account.objects.filter(pk=account.pk).update(menu_published_at=timezone.now())
