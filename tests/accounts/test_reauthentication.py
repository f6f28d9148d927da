"""Re-authentication (allauth's pages) checks no more than the allowed passwords and codes,
even when they arrive all at once, and says so calmly when they are used up."""

import base64
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory, totp_code_now

SECRET = base64.b32encode(b"0123456789abcdefghij").decode()
TOO_MANY = "Too many attempts"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def checks(monkeypatch):
    """Counts the passwords allauth checks (one `authenticate` per re-authentication), each
    slowed a little so parallel requests overlap while they are checked."""
    calls: list[object] = []
    lock = threading.Lock()
    real = DefaultAccountAdapter.authenticate

    def counted(self, request, **credentials):
        with lock:
            calls.append(credentials)
        time.sleep(0.05)
        return real(self, request, **credentials)

    monkeypatch.setattr(DefaultAccountAdapter, "authenticate", counted)
    return calls


def current_code() -> str:
    return totp_code_now(SECRET)  # with a few seconds of its period left: allauth is strict


def wrong_code() -> str:
    return "000000" if current_code() != "000000" else "111111"


@pytest.mark.django_db(transaction=True)
def test_twenty_wrong_passwords_at_once_are_checked_no_more_than_the_limit(settings, checks):
    settings.REAUTHENTICATION_ATTEMPTS = 3
    user = UserFactory()
    clients = []
    for _ in range(20):
        client = Client()
        client.force_login(user)
        clients.append(client)
    start = threading.Barrier(20)

    def attempt(client: Client) -> tuple[int, str]:
        try:
            start.wait()
            response = client.post(reverse("account_reauthenticate"), {"password": "wrong"})
            return response.status_code, response.content.decode()
        finally:
            connection.close()

    # when twenty wrong passwords arrive at the same moment
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(attempt, clients))
    # then only three were checked, and every other request was told to wait, calmly
    assert len(checks) == 3
    told = [body for status, body in responses if TOO_MANY in body]
    assert len(told) == 17
    assert all(status in (200, 429) for status, _ in responses)  # never an error page
    assert sum("Incorrect password" in body for _, body in responses) == 3


@pytest.mark.django_db
def test_once_the_attempts_are_used_up_even_the_right_password_waits(client, settings, checks):
    settings.REAUTHENTICATION_ATTEMPTS = 2
    client.force_login(UserFactory())
    for _ in range(2):
        page = client.post(reverse("account_reauthenticate"), {"password": "wrong"})
        assert "Incorrect password" in page.content.decode()
    page = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert page.status_code == 200 and TOO_MANY in page.content.decode()
    assert "quarter of an hour" in page.content.decode()
    assert len(checks) == 2  # the third was not checked at all


@pytest.mark.django_db
def test_the_right_password_clears_the_count(client, settings, checks):
    settings.REAUTHENTICATION_ATTEMPTS = 2
    client.force_login(UserFactory())
    client.post(reverse("account_reauthenticate"), {"password": "wrong"})
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    for _ in range(2):
        page = client.post(reverse("account_reauthenticate"), {"password": "wrong"})
        assert "Incorrect password" in page.content.decode()
    assert len(checks) == 4


@pytest.mark.django_db
def test_two_factor_codes_are_limited_and_not_checked_beyond_it(client, settings, monkeypatch):
    settings.REAUTHENTICATION_ATTEMPTS = 3
    user = UserFactory()
    TOTP.activate(user, SECRET)
    validated: list[str] = []
    real = TOTP.validate_code
    monkeypatch.setattr(
        TOTP, "validate_code", lambda self, code: validated.append(code) or real(self, code)
    )
    client.force_login(user)
    # three wrong codes use the three attempts
    for _ in range(3):
        page = client.post(reverse("mfa_reauthenticate"), {"code": wrong_code()})
        assert "Incorrect code" in page.content.decode()
    # then even a current code is not checked
    page = client.post(reverse("mfa_reauthenticate"), {"code": current_code()})
    assert page.status_code == 200 and TOO_MANY in page.content.decode()
    assert len(validated) == 3


@pytest.mark.django_db
def test_someone_with_two_factor_re_authenticates_with_it_not_with_the_password_alone(client):
    user = UserFactory()
    TOTP.activate(user, SECRET)
    client.force_login(user)
    # the way offered is the authenticator, and the password alone does not re-authenticate
    page = client.get(reverse("account_reauthenticate"))
    assert page.status_code == 302 and page.url == reverse("mfa_reauthenticate")
    page = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert page.status_code != 302 or page.url == reverse("mfa_reauthenticate")
    assert not _reauthenticated(client)
    page = client.post(reverse("mfa_reauthenticate"), {"code": current_code()})
    assert page.status_code == 302 and _reauthenticated(client)


def _reauthenticated(client) -> bool:
    records = client.session.get("account_authentication_methods") or []
    return any(record.get("reauthenticated") for record in records)
