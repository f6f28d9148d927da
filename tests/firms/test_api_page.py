"""The firm's API page: the owner's only; a token and an endpoint's secret shown once; revoke,
remove and send a test event."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from firms.models import FirmApiToken, FirmRole, FirmWebhookDelivery, FirmWebhookEndpoint
from tests.firms.factories import firm_make, staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return staff_make(firm=firm_make(), role=FirmRole.OWNER)


def url(owner, tail=""):
    return f"/firms/{owner.firm.slug}/api/{tail}"


@pytest.mark.parametrize("role", [FirmRole.ADVISOR, FirmRole.ASSISTANT])
def test_only_the_owner_has_the_page(client, owner, role):
    other = staff_make(firm=owner.firm, role=role)
    client.force_login(other.user)
    assert client.get(url(owner)).status_code == 404
    assert client.post(url(owner), {"name": "x", "scopes": ["roster:read"]}).status_code == 404
    assert not FirmApiToken.objects.exists()
    client.force_login(owner.user)
    page = client.get(url(owner))
    assert page.status_code == 200 and b"Make the token" in page.content


def test_a_new_token_is_shown_once_then_only_its_prefix(client, owner):
    client.force_login(owner.user)
    response = client.post(url(owner), {"name": "PracticePro", "scopes": ["roster:read"]})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = response.context["new_token_secret"]
    assert token in response.content.decode()
    row = FirmApiToken.objects.get(firm=owner.firm)
    assert row.scopes == ["roster:read"] and row.created_by == owner.user
    later = client.get(url(owner)).content.decode()
    assert token not in later and row.prefix in later
    # the token works against the API
    api = client.get("/api/firms/v1/clients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200


def test_a_token_needs_a_name_and_a_scope(client, owner):
    client.force_login(owner.user)
    response = client.post(url(owner), {"name": ""})
    assert response.status_code == 200
    assert "Choose at least one thing the token may do." in response.content.decode()
    assert not FirmApiToken.objects.exists()


def test_revoking_from_the_page(client, owner):
    client.force_login(owner.user)
    token = client.post(url(owner), {"name": "Old", "scopes": ["roster:read"]}).context[
        "new_token_secret"
    ]
    row = FirmApiToken.objects.get()
    response = client.post(url(owner, f"tokens/{row.pk}/revoke"), follow=True)
    assert "no longer works" in response.content.decode()
    assert (
        client.get("/api/firms/v1/clients", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    )
    assert AuditEvent.objects.filter(action="firm.api_token_revoked").count() == 1


def test_another_firms_token_cannot_be_revoked_here(client, owner):
    other = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    client.force_login(other.user)
    client.post(url(other), {"name": "Theirs", "scopes": ["roster:read"]})
    row = FirmApiToken.objects.get()
    client.force_login(owner.user)
    assert client.post(url(owner, f"tokens/{row.pk}/revoke")).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_an_endpoint_secret_is_shown_once_and_a_test_event_queued(client, owner, settings):
    settings.LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(owner.user)
    refused = client.post(url(owner, "webhooks/"), {"url": "http://127.0.0.1:8000/hook"})
    assert "private or local" in refused.content.decode()
    assert not FirmWebhookEndpoint.objects.exists()
    settings.LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE = True
    response = client.post(
        url(owner, "webhooks/"),
        {"url": "http://127.0.0.1:8000/hook", "kinds": ["client.joined"]},
    )
    secret = response.context["new_endpoint_secret"]
    assert secret in response.content.decode()
    endpoint = FirmWebhookEndpoint.objects.get()
    assert (
        endpoint.kinds == ["client.joined"]
        and secret not in client.get(url(owner)).content.decode()
    )
    client.post(url(owner, f"webhooks/{endpoint.pk}/test"))
    assert FirmWebhookDelivery.objects.get().kind == "firm.test"
    assert "A test event" in client.get(url(owner)).content.decode()
    client.post(url(owner, f"webhooks/{endpoint.pk}/remove"))
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert b"No endpoints yet" in client.get(url(owner)).content
