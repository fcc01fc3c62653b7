"""Who may do what on the WeChat channel (the desk's own rules stay in accounts.roles / servicedesk).

| who                  | webhook | link page | centres pages | accounts, menu, centres in the admin | broadcasts   |
|----------------------|---------|-----------|---------------|--------------------------------------|--------------|
| WeChat (signed)      | yes     |           |               |                                      |              |
| anyone               | refused | login     | read          | no                                   | no           |
| signed-in fan        | refused | yes       | read          | no                                   | no           |
| Service desk staff   | refused | yes       | read          | yes (model permissions)              | write, send  |
| superuser            | refused | yes       | read          | yes                                  | write, send  |

The webhook's door is the signature (servicedesk.wechat.protocol), not a session.
"""

from accounts.models import User
from accounts.roles import is_desk_staff


def may_broadcast(user: User) -> bool:
    """Writing, previewing and sending a broadcast: desk staff only."""
    return is_desk_staff(user)


def may_see_wechat_context(user: User) -> bool:
    """The WeChat panel of a ticket (openid, delivery states, the fan's other tickets)."""
    return is_desk_staff(user)
