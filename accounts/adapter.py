import logging
from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from accounts import wordfilter
from accounts.client_ip import client_ip
from accounts.mail import queue_email, sender
from accounts.models import SYSTEM_NAMES

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    """allauth's mail, in the recipient's language, with the site's name, sent by Celery after the commit."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        with translation.override(_recipient_language(email, context.get("user"))):
            ctx = {
                "request": request,
                "email": email,
                "current_site": _site(request),
                "site_url": request.build_absolute_uri("/") if request is not None else f"{settings.SITE_URL}/",
                **context,
            }
            queue_email(self.render_mail(template_prefix, email, ctx))

    def send_notification_mail(self, template_prefix, user, context=None, email=None) -> None:
        """Security notices (password changed, email changed) speak the account owner's language."""
        super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email)

    def get_from_email(self) -> str:
        """The brand in the mail's language as the sender's name (send_mail renders inside it)."""
        return sender()

    def format_email_subject(self, subject: str) -> str:
        return f"[{gettext('Fancity')}] {subject}"

    def clean_username(self, username: str, shallow: bool = False) -> str:
        """Not the name of one of the site's own accounts; and a username is shown where the fan has no
        display name, so it may hold no listed word either."""
        username = super().clean_username(username, shallow)
        if username.lower() in SYSTEM_NAMES:
            raise self.validation_error("username_blacklisted")
        return wordfilter.clean_name(username)

    def get_client_ip(self, request) -> str:
        """Rate limits key on the address from accounts.client_ip (trusted proxies), never a 500."""
        return client_ip(request)


def _recipient_language(email: str, user=None) -> str | None:
    """The account's preferred language when it has one, else the language of the page that sent the mail.

    A password reset is asked for signed out, so the account is looked up by its address.
    """
    if user is None or not getattr(user, "pk", None):
        user = get_user_model().objects.filter(email__iexact=email).only("language").first()
    if user is not None and user.language:
        return user.language
    return translation.get_language() or settings.LANGUAGE_CODE


def _site(request) -> SimpleNamespace:
    """What allauth's templates read as `current_site`: the brand in the active language, and the host."""
    domain = request.get_host() if request is not None else settings.SITE_URL.split("//", 1)[-1]
    return SimpleNamespace(name=gettext("Fancity"), domain=domain)


class SocialAdapter(DefaultSocialAccountAdapter):
    """allauth's social logins; after a WeChat login the apps listed in `SOCIAL_LOGIN_HOOKS` may act
    (the WeChat channel links the fan's Official Account conversations), without accounts importing them.

    Three ways in, one set of hooks: a login with a known sign-in (`pre_social_login`), a sign-up
    (`save_user`), and a signed-in fan connecting a new sign-in to their account (allauth's connect
    flow, which calls no adapter method once the sign-in is theirs: `social_account_added`, allauth's
    signal, connected in accounts.apps)."""

    def pre_social_login(self, request, sociallogin) -> None:
        super().pre_social_login(request, sociallogin)
        if sociallogin.is_existing:
            _social_login_hooks(sociallogin.user, sociallogin.account)

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        _social_login_hooks(user, sociallogin.account)
        return user


def social_account_added(request, sociallogin, **kwargs) -> None:
    """allauth's `social_account_added`: the connect flow has saved the sign-in as the signed-in fan's."""
    _social_login_hooks(sociallogin.user, sociallogin.account)


def _social_login_hooks(user, account) -> None:
    """`hook(user, provider, uid, extra_data)` for each; a hook that fails is logged, the login goes on."""
    for path in settings.SOCIAL_LOGIN_HOOKS:
        try:
            import_string(path)(user, account.provider, account.uid, account.extra_data or {})
        except Exception:
            logger.exception("Social login hook %s failed for user %s", path, user.pk)
