import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_up_needs_the_email_confirmed_before_signing_in(client):
    # when someone signs up
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    # then they are asked to confirm their address, and are not signed in yet
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert mail.outbox[-1].to == ["new@example.org"]
    # when they open the link from the mail and confirm
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    client.post(link)
    # then they are signed in
    assert client.get(reverse("memorials:list")).status_code == 200


def test_sign_in_is_by_email(client):
    user = UserFactory(email="ada@example.org")
    response = client.post(
        reverse("account_login"), {"login": "ada@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_sends_a_link(client):
    UserFactory(email="forgetful@example.org")
    client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    assert mail.outbox[-1].to == ["forgetful@example.org"]
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_repeated_failed_logins_lock_the_account_for_a_while(client):
    UserFactory(email="target@example.org")
    for _ in range(6):
        client.post(reverse("account_login"), {"login": "target@example.org", "password": "no"})
    # even the right password is now refused, with a clear reason
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def totp_code(secret: str) -> str:
    counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter))


def test_two_factor_totp_is_set_up_then_asked_for_at_sign_in(client):
    # given a signed-in person, who confirms their password again (2FA changes demand it)
    client.force_login(UserFactory(email="careful@example.org"))
    assert client.get(reverse("mfa_activate_totp")).status_code == 302
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    # when they activate an authenticator app with a code from it
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.get("Location")
    secret = page.context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert Authenticator.objects.filter(
        user__email="careful@example.org", type=Authenticator.Type.TOTP
    ).exists()
    # then signing in again asks for a code before letting them in
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "careful@example.org", "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_allauth_pages_wear_the_legacy_layout(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'class="site-header"' in page
    assert "css/legacy.css" in page
