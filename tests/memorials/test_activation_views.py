"""Activation pages through the Django test client."""

from __future__ import annotations

import base64
import re
import time

import pytest
from allauth.mfa.app_settings import TOTP_PERIOD
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.urls import reverse

from memorials.models import ActivationKey, ActivationRequest, ActivationStatus, MemorialState, Role
from tests.accounts.factories import PASSWORD, UserFactory
from tests.memorials.conftest import PDF, certificate_upload
from tests.memorials.factories import InvitationFactory, MemorialFactory

pytestmark = pytest.mark.django_db

TOTP_SECRET = base64.b32encode(b"0123456789abcdefghij").decode()
KEY_PATTERN = re.compile(r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){4}")


def memorial_activation_urls(memorial, activation):
    mid, aid = memorial.id, activation.id
    return [
        ("get", reverse("memorials:activation_key", args=[mid])),
        ("post", reverse("memorials:activation_key", args=[mid])),
        ("get", reverse("memorials:activation", args=[mid])),
        ("post", reverse("memorials:activation", args=[mid])),
        ("get", reverse("memorials:activation_certificate", args=[mid, aid])),
        ("post", reverse("memorials:activation_approve", args=[mid, aid])),
        ("post", reverse("memorials:activation_reject", args=[mid, aid])),
        ("post", reverse("memorials:activation_cancel", args=[mid, aid])),
        ("get", reverse("memorials:wishes", args=[mid])),
        ("post", reverse("memorials:wishes", args=[mid])),
    ]


def test_every_activation_url_is_404_for_strangers_and_family(client, memorial, pending, family):
    for person in (UserFactory(), family):
        client.force_login(person)
        for method, url in memorial_activation_urls(memorial, pending):
            assert getattr(client, method)(url).status_code == 404, (person, url)
    assert ActivationRequest.objects.get(pk=pending.pk).status == ActivationStatus.PENDING


def test_activation_urls_send_anonymous_visitors_to_sign_in(client, memorial, pending):
    for method, url in memorial_activation_urls(memorial, pending):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_an_activation_of_another_memorial_is_404(client, pending, second_steward):
    other = MemorialFactory()
    client.force_login(other.subject)
    url = reverse("memorials:activation_cancel", args=[other.id, pending.id])
    assert client.post(url).status_code == 404


def test_the_steward_sees_their_key_once(client, memorial, steward):
    client.force_login(steward)
    url = reverse("memorials:activation_key", args=[memorial.id])
    # GET only explains; nothing is issued by merely visiting (or by a link prefetcher)
    assert "Show my key now" in client.get(url).content.decode()
    assert not ActivationKey.objects.exists()
    # POST shows it, uncached
    response = client.post(url)
    key = KEY_PATTERN.search(response.content.decode()).group(0)
    assert "no-store" in response["Cache-Control"]
    assert "Print this page" in response.content.decode()
    # and never again
    page = client.get(url).content.decode()
    assert not KEY_PATTERN.search(page)
    assert "It is not shown again" in page
    # replacing needs a tick, and gives a different key
    client.post(url)
    assert ActivationKey.objects.filter(steward=steward).count() == 1
    replaced = client.post(url, {"confirm": "replace"}).content.decode()
    assert KEY_PATTERN.search(replaced).group(0) != key


def test_accepting_a_steward_invitation_leads_to_the_key_page(client, memorial):
    invitation = InvitationFactory(memorial=memorial, role=Role.STEWARD, token="steward-token")
    client.force_login(UserFactory(email=invitation.email))
    response = client.post(
        reverse("invitations:show", args=["steward-token"]), {"age_group": "adult"}
    )
    assert response["Location"] == reverse("memorials:activation_key", args=[memorial.id])


def test_a_steward_starts_an_activation_from_the_page(
    client, memorial, steward, steward_key, second_steward
):
    client.force_login(steward)
    url = reverse("memorials:activation", args=[memorial.id])
    response = client.post(url, {"key": steward_key.lower(), "certificate": certificate_upload()})
    assert response.status_code == 302
    activation = ActivationRequest.objects.get(memorial=memorial)
    assert activation.status == ActivationStatus.PENDING
    page = client.get(url).content.decode()
    assert "Withdraw my request" in page and "Approve the activation" not in page


def test_without_a_certificate_the_page_says_so(client, memorial, steward, steward_key):
    client.force_login(steward)
    url = reverse("memorials:activation", args=[memorial.id])
    response = client.post(url, {"key": steward_key})
    assert response.status_code == 400
    assert "Please add the death certificate" in response.content.decode()
    assert not ActivationRequest.objects.exists()


def test_the_second_steward_reviews_the_certificate_and_approves(
    client, memorial, pending, second_steward
):
    client.force_login(second_steward)
    page = client.get(reverse("memorials:activation", args=[memorial.id])).content.decode()
    assert "Approve the activation" in page
    url = reverse("memorials:activation_certificate", args=[memorial.id, pending.id])
    # the certificate first asks for the password again (allauth), then shows
    asked = client.get(url)
    assert asked.status_code == 302 and "/accounts/reauthenticate/" in asked["Location"]
    assert client.post(asked["Location"], {"password": PASSWORD})["Location"] == url
    certificate = client.get(url)
    assert b"".join(certificate.streaming_content) == PDF
    assert certificate["Content-Type"] == "application/pdf"
    approve = reverse("memorials:activation_approve", args=[memorial.id, pending.id])
    # without ticking the confirmation, nothing happens
    client.post(approve)
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.PRESERVING
    client.post(approve, {"confirm": "on"})
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.ACTIVE


def test_the_subject_sees_the_pending_activation_and_cancels_it(client, memorial, pending):
    client.force_login(memorial.subject)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "Someone has asked to activate your Legacy" in page
    response = client.post(reverse("memorials:activation_cancel", args=[memorial.id, pending.id]))
    assert response["Location"] == memorial.get_absolute_url()
    assert ActivationRequest.objects.get(pk=pending.pk).status == ActivationStatus.CANCELLED
    assert "Someone has asked" not in client.get(memorial.get_absolute_url()).content.decode()


def test_a_subject_signing_in_during_a_pending_activation_is_told(client, memorial, pending):
    response = client.post(
        reverse("account_login"),
        {"login": memorial.subject.email, "password": PASSWORD},
        follow=True,
    )
    assert "has asked to activate your Legacy" in response.content.decode()


def test_family_does_not_see_the_pending_activation(client, memorial, pending, family):
    client.force_login(family)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "activate" not in page.lower()


def test_staff_review_a_single_stewards_request(client, memorial, pending):
    url = reverse("memorials:activation_review")
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert (
        client.get(
            reverse("memorials:activation_review_certificate", args=[pending.id])
        ).status_code
        == 404
    )
    staff = UserFactory(is_staff=True)
    TOTP.activate(staff, TOTP_SECRET)
    client.force_login(staff)
    assert memorial.name in client.get(url).content.decode()
    # staff with two-factor confirm with a code before the certificate shows
    certificate_url = reverse("memorials:activation_review_certificate", args=[pending.id])
    asked = client.get(certificate_url)
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("mfa_reauthenticate"))
    # the password alone does not do
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(certificate_url).status_code == 302
    code = format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // TOTP_PERIOD))
    assert client.post(asked["Location"], {"code": code})["Location"] == certificate_url
    certificate = client.get(certificate_url)
    assert b"".join(certificate.streaming_content) == PDF
    client.post(
        reverse("memorials:activation_review_decide", args=[pending.id]),
        {"action": "approve", "confirm": "on"},
    )
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.ACTIVE


def test_staff_do_not_see_requests_that_a_second_steward_reviews(
    client, memorial, pending, second_steward
):
    client.force_login(UserFactory(is_staff=True))
    assert memorial.name not in client.get(reverse("memorials:activation_review")).content.decode()
    decide = reverse("memorials:activation_review_decide", args=[pending.id])
    assert client.post(decide, {"action": "approve", "confirm": "on"}).status_code == 404
