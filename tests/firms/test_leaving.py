"""Leaving: the client detaches the firm (it loses everything at once, nothing of the memorial
is deleted), and a closing firm hands every memorial back to its subject and stewards."""

from __future__ import annotations

from html import escape

import pytest
from django.core import mail
from django.urls import reverse

from core.audit import audit_events_for
from firms.access import FirmNotFound, FirmPower, firm_client_get_for, firm_get_for
from firms.leaving import CLIENT_LEFT, FIRM_CLOSED, LeavingError, client_detach, firm_close
from firms.models import ClientStage, FirmActivationKey, FirmRole
from firms.signals import client_detached
from firms.stewardship import firm_activation_key_issue, professional_steward_name
from firms.trail import firm_audit_events
from memorials.activation.rules import steward_count
from memorials.models import Membership, Memorial, Role
from tests.firms.factories import client_make, firm_make, staff_make
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm():
    return firm_make()


@pytest.fixture
def owner(firm):
    return staff_make(firm=firm, role=FirmRole.OWNER)


@pytest.fixture
def advisor(firm):
    return staff_make(firm=firm, role=FirmRole.ADVISOR)


@pytest.fixture
def client_(firm, advisor):
    return client_make(firm=firm, advisor=advisor, joined=True)


@pytest.fixture
def detached_signals():
    received = []

    def receiver(sender, client, reason, **kwargs):
        received.append((client.id, reason))

    client_detached.connect(receiver)
    yield received
    client_detached.disconnect(receiver)


def test_the_client_detaches_and_the_firm_loses_access_at_once(
    client_, owner, advisor, detached_signals, django_capture_on_commit_callbacks
):
    # given the firm is a steward holding a key
    named = professional_steward_name(client=client_, actor=client_.user)
    firm_activation_key_issue(staff=advisor, client=named)
    # when the client detaches it
    with django_capture_on_commit_callbacks(execute=True):
        detached = client_detach(client=named, actor=client_.user)
    # then the firm cannot reach the client, its role and key are gone
    assert detached.stage == ClientStage.DETACHED and detached.detached_at is not None
    with pytest.raises(FirmNotFound):
        firm_client_get_for(staff=advisor, client_id=client_.id)
    assert detached.professional_steward_since is None
    assert not FirmActivationKey.objects.filter(client=client_, revoked_at__isnull=True).exists()
    assert steward_count(memorial_id=client_.memorial_id) == 0
    # audited in both logs, the firm's staff told, the signal sent on commit
    assert "firm.client_detached" in [
        e.action for e in audit_events_for(memorial_id=client_.memorial_id)
    ]
    assert "firm.client_detached" in [e.action for e in firm_audit_events(firm=client_.firm)]
    told = {address for m in mail.outbox for address in m.to}
    assert {owner.user.email, advisor.user.email} <= told
    assert detached_signals == [(client_.id, CLIENT_LEFT)]
    # nothing of the memorial is deleted
    assert Memorial.objects.filter(pk=client_.memorial_id).exists()
    assert Membership.objects.filter(memorial_id=client_.memorial_id, role=Role.SUBJECT).exists()


def test_only_the_client_detaches(client_, advisor, owner):
    for person in (advisor.user, owner.user):
        with pytest.raises(LeavingError):
            client_detach(client=client_, actor=person)
    client_.refresh_from_db()
    assert client_.detached_at is None


def test_detaching_twice_is_refused(client_):
    client_detach(client=client_, actor=client_.user)
    with pytest.raises(LeavingError):
        client_detach(client=client_, actor=client_.user)


def test_the_detach_page_confirms_then_detaches(client, client_, advisor):
    client.force_login(client_.user)
    url = reverse("firms:client_detach", args=[client_.memorial_id])
    page = client.get(url).content.decode()
    assert escape(f"Detach {client_.firm.name}?") in page
    client_.refresh_from_db()
    assert client_.detached_at is None  # the page alone changes nothing
    response = client.post(url)
    assert response["Location"] == client_.memorial.get_absolute_url()
    client_.refresh_from_db()
    assert client_.detached_at is not None
    # the card is gone from the memorial page, and the detach page with it
    assert "your-firm" not in client.get(client_.memorial.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 404
    # the firm's staff lose the client's pages
    client.force_login(advisor.user)
    professional = reverse("firms:steward", args=[client_.firm.slug, client_.id])
    assert client.get(professional).status_code == 404


def test_nobody_but_the_subject_reaches_the_detach_page(client, client_, advisor):
    url = reverse("firms:client_detach", args=[client_.memorial_id])
    steward = MembershipFactory(memorial=client_.memorial, role=Role.STEWARD).user
    for person in (steward, advisor.user):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    client_.refresh_from_db()
    assert client_.detached_at is None


def test_closing_the_firm_hands_every_memorial_back(
    firm, owner, advisor, detached_signals, django_capture_on_commit_callbacks
):
    # given two joined clients (one named the firm a steward) and one still invited
    first = client_make(firm=firm, joined=True)
    second = client_make(firm=firm, joined=True)
    second = professional_steward_name(client=second, actor=second.user)
    invited = client_make(firm=firm, invitation_token_hash="abc")
    # a wrong name changes nothing
    with pytest.raises(LeavingError, match="type the firm's name"):
        firm_close(staff=owner, confirm_name="not the name")
    firm.refresh_from_db()
    assert firm.closed_at is None
    # when the owner closes it, typing its name
    with django_capture_on_commit_callbacks(execute=True):
        closed = firm_close(staff=owner, confirm_name=firm.name)
    # then every client is detached (reason firm_closed), the firm is closed
    assert closed.closed_at is not None
    for client in (first, second, invited):
        client.refresh_from_db()
        assert client.detached_at is not None and client.stage == ClientStage.DETACHED
    assert invited.invitation_token_hash == ""
    assert second.professional_steward_since is None
    assert sorted(detached_signals) == sorted((c.id, FIRM_CLOSED) for c in (first, second, invited))
    # the joined clients are told; nothing of their memorials is deleted
    told = {address for m in mail.outbox for address in m.to}
    assert {first.email, second.email} <= told and invited.email not in told
    for client in (first, second):
        assert Memorial.objects.filter(pk=client.memorial_id).exists()
    # nobody reaches the firm any more
    with pytest.raises(FirmNotFound):
        firm_get_for(user=owner.user, slug=firm.slug, power=FirmPower.CLOSE)
    assert "firm.closed" in [e.action for e in firm_audit_events(firm=firm)]


def test_only_the_owner_closes(firm, owner, advisor, client):
    with pytest.raises(LeavingError):
        firm_close(staff=advisor, confirm_name=firm.name)
    client.force_login(advisor.user)
    assert client.get(reverse("firms:close", args=[firm.slug])).status_code == 404


def test_the_close_page_asks_for_the_name(firm, owner, client):
    client_make(firm=firm, joined=True)
    client.force_login(owner.user)
    url = reverse("firms:close", args=[firm.slug])
    page = client.get(url).content.decode()
    assert "1 client" in page
    response = client.post(url, {"name": "wrong"})
    assert response.status_code == 400
    assert "type the firm" in response.content.decode()
    firm.refresh_from_db()
    assert firm.closed_at is None
    response = client.post(url, {"name": firm.name})
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.closed_at is not None
