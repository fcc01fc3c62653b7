"""Who may do what with credits, medals, check-in, devices, follows and user cards, written once.

- check in, pick devices, choose shown medals, follow a fan: any fan who may act (accounts.moderation.may_act:
  signed in, active, not banned);
- follow: not oneself, not a deleted account;
- adjust a fan's credits, award or take back a medal: Moderators (and superusers);
- levels, medals and the device list in the admin: the `community` model permissions, which the
  Moderators group carries (migration 0002);
- read a fan's card or profile facts: everyone, for an account that is not deleted.

tests/community/test_roles.py checks each row for each role.
"""

from accounts.models import User
from accounts.moderation import may_act
from accounts.roles import is_moderator


def may_take_part(user: User) -> bool:
    return may_act(user)


def may_adjust_credits(user: User) -> bool:
    return is_moderator(user)


def may_award_medals(user: User) -> bool:
    return is_moderator(user)


def may_follow(user: User, fan: User) -> bool:
    return may_act(user) and user.pk != fan.pk and fan.deleted_at is None and fan.is_active


def may_see_card(fan: User) -> bool:
    return fan.deleted_at is None and fan.is_active
