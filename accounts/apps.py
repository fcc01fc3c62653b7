from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Fans and cities")

    def ready(self):
        from allauth.socialaccount.signals import social_account_added

        from accounts import checks  # noqa: F401 - registers the deploy checks
        from accounts.adapter import social_account_added as run_social_login_hooks

        # allauth's connect flow has no adapter method after the sign-in is saved: its signal is the way in.
        social_account_added.connect(run_social_login_hooks, dispatch_uid="accounts.social_login_hooks")
