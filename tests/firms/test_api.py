"""The firms API for practice software: token auth (401), scopes (403), the rate limit (429),
the roster and a client's status (status only, never content), idempotent client creation,
and the OpenAPI documentation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.models import AuditEvent
from firms.api_tokens import api_rate_take, api_token_create, api_token_revoke
from firms.models import ApiScope, ClientStage, FirmApiToken, FirmClient, FirmRole
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db

BASE = "/api/firms/v1"
STATUS_FIELDS = {
    "id",
    "name",
    "email",
    "external_ref",
    "advisor_email",
    "stage",
    "consents_signed",
    "documents_count",
    "passages_count",
    "twin_ready",
    "activation_state",
    "plan_code",
    "invited_at",
    "accepted_at",
    "created_at",
    "status_refreshed_at",
}


@pytest.fixture
def firm():
    return firm_make()


@pytest.fixture
def owner(firm):
    return staff_make(firm=firm, role=FirmRole.OWNER)


def token_for(owner, *scopes):
    _, token = api_token_create(
        firm=owner.firm, actor=owner.user, name="Practice", scopes=list(scopes) or ApiScope.values
    )
    return token


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_only_the_hash_is_kept_and_the_prefix_tells_tokens_apart(owner):
    token = token_for(owner, ApiScope.ROSTER_READ)
    row = FirmApiToken.objects.get(firm=owner.firm)
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert token.startswith(row.prefix)
    assert AuditEvent.objects.filter(
        action="firm.api_token_created", actor_ref=str(owner.user.pk)
    ).exists()


@pytest.mark.parametrize(
    "header",
    [None, "Bearer lfa_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz"],
)
def test_a_missing_or_bad_token_is_401_with_a_clear_error(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(f"{BASE}/clients", **extra)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_fails_at_once(client, owner):
    token = token_for(owner, ApiScope.ROSTER_READ)
    assert client.get(f"{BASE}/clients", **auth(token)).status_code == 200
    row = FirmApiToken.objects.get(firm=owner.firm)
    api_token_revoke(firm=owner.firm, actor=owner.user, token_id=row.pk)
    assert client.get(f"{BASE}/clients", **auth(token)).status_code == 401
    assert AuditEvent.objects.filter(action="firm.api_token_revoked").count() == 1


def test_a_closed_firms_token_fails(client, owner):
    token = token_for(owner, ApiScope.ROSTER_READ)
    owner.firm.closed_at = timezone.now()
    owner.firm.save(update_fields=["closed_at"])
    assert client.get(f"{BASE}/clients", **auth(token)).status_code == 401


def test_a_token_without_the_scope_is_403_and_changes_nothing(client, owner):
    read_only = token_for(owner, ApiScope.ROSTER_READ)
    write_only = token_for(owner, ApiScope.CLIENTS_WRITE)
    response = client.post(
        f"{BASE}/clients",
        {"name": "Ada Park", "email": "ada@example.org"},
        content_type="application/json",
        **auth(read_only),
    )
    assert response.status_code == 403
    assert response.json()["error"] == "scope_missing"
    assert "clients:write" in response.json()["detail"]
    assert not FirmClient.objects.exists()
    response = client.get(f"{BASE}/clients", **auth(write_only))
    assert response.status_code == 403 and "roster:read" in response.json()["detail"]


def test_past_the_rate_a_token_gets_429_with_retry_after(client, owner, settings, monkeypatch):
    settings.LEGACY_FIRM_API_RATE_PER_MINUTE = 3
    token = token_for(owner, ApiScope.ROSTER_READ)
    other = token_for(owner, ApiScope.ROSTER_READ)

    class FixedClock:  # the middle of one window, so the test never straddles two
        @staticmethod
        def time():
            return 1_800_000_030.0

    monkeypatch.setattr("firms.api_tokens.time", FixedClock)
    statuses = [client.get(f"{BASE}/clients", **auth(token)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(f"{BASE}/clients", **auth(token))
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.json()["error"] == "rate_limited"
    # another token has its own count
    assert client.get(f"{BASE}/clients", **auth(other)).status_code == 200


def test_the_rate_window_opens_again_when_the_minute_ends(owner, settings):
    settings.LEGACY_FIRM_API_RATE_PER_MINUTE = 1
    token_for(owner, ApiScope.ROSTER_READ)
    row = FirmApiToken.objects.get(firm=owner.firm)
    start = 1_900_000_020.0  # the first second of a window
    assert api_rate_take(token=row, now=start).allowed
    refused = api_rate_take(token=row, now=start + 45)
    assert not refused.allowed and refused.retry_after_s == 15
    assert api_rate_take(token=row, now=start + 60).allowed


def test_the_roster_is_status_only_and_never_content(client, owner):
    # given a client who joined and has their own memorial
    joined = client_make(firm=owner.firm, name="Rosa Klein", joined=True, external_ref="PX-1")
    client_make(firm=owner.firm, name="Ben Ortiz")
    token = token_for(owner, ApiScope.ROSTER_READ)
    # when the practice software reads the roster
    body = client.get(f"{BASE}/clients", **auth(token)).json()
    # then each row carries the status fields and nothing else: no memorial, no content
    assert body["count"] == 2 and body["next_page"] is None
    assert all(set(item) == STATUS_FIELDS for item in body["items"])
    rosa = next(item for item in body["items"] if item["name"] == "Rosa Klein")
    assert rosa["stage"] == "joined" and rosa["external_ref"] == "PX-1"
    assert str(joined.memorial_id) not in str(body)
    one = client.get(f"{BASE}/clients/{joined.id}", **auth(token)).json()
    assert set(one) == STATUS_FIELDS and one["id"] == str(joined.id)


def test_the_roster_filters_by_stage_and_pages(client, owner):
    for n in range(3):
        client_make(firm=owner.firm, name=f"Client {n}")
    client_make(firm=owner.firm, name="Joined one", joined=True)
    token = token_for(owner, ApiScope.ROSTER_READ)
    page = client.get(f"{BASE}/clients?per_page=2", **auth(token)).json()
    assert page["count"] == 4 and len(page["items"]) == 2 and page["next_page"] == 2
    last = client.get(f"{BASE}/clients?per_page=2&page=2", **auth(token)).json()
    assert last["next_page"] is None and len(last["items"]) == 2
    joined = client.get(f"{BASE}/clients?stage=joined", **auth(token)).json()
    assert [item["name"] for item in joined["items"]] == ["Joined one"]
    later = client.get(
        f"{BASE}/clients", {"updated_since": "2999-01-01T00:00:00Z"}, **auth(token)
    ).json()
    assert later["count"] == 0
    assert client.get(f"{BASE}/clients?stage=nonsense", **auth(token)).status_code == 422


def test_another_firms_client_and_a_detached_one_are_404(client, owner):
    stranger = client_make(firm=firm_make())
    gone = client_make(firm=owner.firm, detached_at=timezone.now(), stage=ClientStage.DETACHED)
    token = token_for(owner, ApiScope.ROSTER_READ)
    assert client.get(f"{BASE}/clients/{stranger.id}", **auth(token)).status_code == 404
    assert client.get(f"{BASE}/clients/{gone.id}", **auth(token)).status_code == 404
    assert client.get(f"{BASE}/clients", **auth(token)).json()["count"] == 0


def test_creating_a_client_is_idempotent_on_email_and_audited_as_the_tokens_maker(client, owner):
    advisor = staff_make(firm=owner.firm, role=FirmRole.ADVISOR)
    token = token_for(owner, ApiScope.CLIENTS_WRITE)
    body = {
        "name": "Ada Park",
        "email": "Ada@Example.org",
        "advisor_email": advisor.user.email,
        "external_ref": "PX-77",
    }
    first = client.post(f"{BASE}/clients", body, content_type="application/json", **auth(token))
    assert first.status_code == 201
    assert first.json()["email"] == "ada@example.org"
    assert first.json()["advisor_email"] == advisor.user.email
    again = client.post(
        f"{BASE}/clients",
        {**body, "name": "Ada P."},
        content_type="application/json",
        **auth(token),
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == "Ada Park"  # unchanged
    assert FirmClient.objects.filter(firm=owner.firm).count() == 1
    added = AuditEvent.objects.filter(action="firm.client_added")
    assert added.count() == 1 and added.get().actor_ref == str(owner.user.pk)


def test_bad_client_input_is_400_with_the_reason(client, owner):
    token = token_for(owner, ApiScope.CLIENTS_WRITE)
    response = client.post(
        f"{BASE}/clients",
        {"name": "Ada", "email": "not an address"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 400 and "not an email address" in response.json()["detail"]
    response = client.post(
        f"{BASE}/clients",
        {"name": "Ada", "email": "ada@example.org", "advisor_email": "nobody@example.org"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 400 and "advisor_email" in response.json()["detail"]
    assert not FirmClient.objects.exists()


def test_the_openapi_schema_and_docs_are_served(client):
    schema = client.get(f"{BASE}/openapi.json")
    assert schema.status_code == 200
    document = schema.json()
    assert {f"{BASE}/clients", f"{BASE}/clients/{{client_id}}"} <= set(document["paths"])
    assert set(document["paths"][f"{BASE}/clients"]) == {"get", "post"}
    schemes = document["components"]["securitySchemes"]
    assert any(scheme.get("scheme") == "bearer" for scheme in schemes.values())
    docs = client.get(f"{BASE}/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
