import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import wait_until


@pytest.mark.django_db(transaction=True)
def test_password_reset_mail_comes_from_the_worker_and_the_new_password_works(client, celery_worker, mailoutbox):
    UserFactory(username="forgetful", email="forgetful@example.com")
    client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})
    wait_until(lambda: mailoutbox, what="the reset mail")

    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link).url  # allauth moves the key into the session and redirects
    response = client.post(form_url, {"password1": "brand-new-pass-77", "password2": "brand-new-pass-77"})
    assert response.status_code == 302

    client.logout()
    login = client.post(reverse("account_login"), {"login": "forgetful", "password": "brand-new-pass-77"})
    assert login.status_code == 302 and login.url == reverse("home")
