from allauth.account.adapter import DefaultAccountAdapter

from accounts.client_ip import client_ip
from accounts.mail import queue_email


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """allauth renders the message in the request's language; Celery sends it after the commit."""
        ctx = {"email": email, "current_site": context.get("current_site"), **context}
        queue_email(self.render_mail(template_prefix, email, ctx))

    def get_client_ip(self, request) -> str:
        """Rate limits key on the address from accounts.client_ip (trusted proxies), never a 500."""
        return client_ip(request)
