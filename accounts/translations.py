"""Messages of Django and allauth that the site translates itself.

The catalogue in LOCALE_PATHS (locale/) is searched before Django's and allauth's own, so an entry
there wins. These are the messages a fan sees whose Chinese in those catalogues is missing or stale
(Django 5.2 changed the too-short password message, so its Chinese entry no longer applies) or half
English ("Email地址", "用户名或email"), and two labels that both read "改为" on the email page.
Nothing imports this module: it is here so that `makemessages` keeps these msgids in our catalogue,
and `tests/site/test_i18n.py` checks that each is Chinese without English and that ours is the one
shown.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# django/contrib/auth/password_validation.py (the validators in AUTH_PASSWORD_VALIDATORS)
PASSWORD_PLURALS = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
    ),
)
PASSWORD = (
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("Your password can’t be entirely numeric."),
)

# django/core/validators.py
DJANGO = (gettext_noop("Enter a valid email address."),)

# allauth's account and social-account pages, messages and mails whose Chinese holds "Email".
ALLAUTH = (
    gettext_noop("Username or email"),
    gettext_noop("The password reset token was invalid."),
    gettext_noop("Bad Token"),
    gettext_noop("Email Address"),
    gettext_noop("Email Addresses"),
    gettext_noop("Current email"),
    # Both of these were "改为": the pending new address, and the box to type another one into.
    gettext_noop("Changing to"),
    gettext_noop("Change to"),
    gettext_noop("Change Email"),
    gettext_noop("Add Email"),
    gettext_noop("Add Email Address"),
    gettext_noop("Primary"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Confirm Email Address"),
    gettext_noop("Verify Your Email Address"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Do you really want to remove the selected email address?"),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("Removed email address %(email)s."),
    gettext_noop("Primary email address set."),
    gettext_noop("Your account has no verified email address."),
    gettext_noop(
        "An account already exists with this email address. Please sign in to that account first, then "
        "connect your %s account."
    ),
    gettext_noop("Hello from %(site_name)s!"),
    gettext_noop("Email Changed"),
    gettext_noop("Email Confirmation"),
    gettext_noop("Your email has been confirmed."),
    gettext_noop("Please Confirm Your Email Address"),
    gettext_noop("Email address %(deleted_email)s has been removed from your account."),
    gettext_noop("Email Removed"),
    gettext_noop(
        "If you do not recognize this change then please take proper security precautions immediately. The "
        "change to your account originates from:\n\n- IP address: %(ip)s\n- Browser: %(user_agent)s\n- Date: "
        "%(timestamp)s"
    ),
)
