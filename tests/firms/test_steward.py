"""The firm as a client's professional steward: named and withdrawn by the client only; ONE
steward in the memorial's activation path, with one key of the firm's, the death
certificate and a second approval that nobody at the firm can give to the firm's request."""

from __future__ import annotations

from html import escape

import pytest
from django.core import mail
from django.urls import reverse

from core.audit import audit_events_for
from firms.models import FirmActivationKey, FirmRole
from firms.stewardship import (
    StewardshipError,
    firm_activation_key_issue,
    firm_activation_start,
    firm_activation_withdraw,
    professional_steward_name,
    professional_steward_withdraw,
)
from firms.trail import firm_audit_events
from memorials.activation.approvals import activation_approve, activation_approve_as_staff
from memorials.activation.keys import activation_key_hash, activation_key_issue
from memorials.activation.requests import activation_start
from memorials.activation.rules import ActivationError, steward_count
from memorials.activation.selectors import activation_reviews_for_staff
from memorials.models import ActivationStatus, MemorialState, Role
from tests.accounts.factories import UserFactory
from tests.firms.factories import client_make, firm_make, staff_make
from tests.memorials.conftest import certificate_upload
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACTIVATION_NOTICE_HOURS = 0  # approvals in these tests need not wait
    return settings.MEDIA_ROOT


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
def assistant(firm):
    return staff_make(firm=firm, role=FirmRole.ASSISTANT)


@pytest.fixture
def client_(firm, advisor):
    return client_make(firm=firm, advisor=advisor, joined=True)


@pytest.fixture
def named(client_):
    return professional_steward_name(client=client_, actor=client_.user)


def actions(memorial_id):
    return [event.action for event in audit_events_for(memorial_id=memorial_id)]


def test_only_the_client_names_or_withdraws_the_firm(client_, advisor):
    with pytest.raises(StewardshipError):
        professional_steward_name(client=client_, actor=advisor.user)
    client_.refresh_from_db()
    assert client_.professional_steward_since is None
    named = professional_steward_name(client=client_, actor=client_.user)
    assert named.professional_steward_since is not None
    with pytest.raises(StewardshipError):
        professional_steward_withdraw(client=named, actor=advisor.user)
    assert "firm.steward_named" in actions(client_.memorial_id)
    assert "firm.steward_named" in [e.action for e in firm_audit_events(firm=client_.firm)]


def test_the_firm_counts_as_one_steward_only_while_named(client_, owner, advisor, named):
    assert steward_count(memorial_id=client_.memorial_id) == 1
    professional_steward_withdraw(client=named, actor=client_.user)
    assert steward_count(memorial_id=client_.memorial_id) == 0


def test_no_key_before_the_client_names_the_firm_nor_for_an_assistant(client_, advisor, assistant):
    with pytest.raises(StewardshipError, match="not named"):
        firm_activation_key_issue(staff=advisor, client=client_)
    professional_steward_name(client=client_, actor=client_.user)
    client_.refresh_from_db()
    with pytest.raises(StewardshipError, match="owner and advisors"):
        firm_activation_key_issue(staff=assistant, client=client_)
    # a memorial's own key is never issued to firm staff
    with pytest.raises(ActivationError):
        activation_key_issue(memorial=client_.memorial, steward=advisor.user)


def test_the_firm_holds_one_key_its_owner_and_advisors_share(named, owner, advisor):
    key = firm_activation_key_issue(staff=advisor, client=named)
    row = FirmActivationKey.objects.get(client=named, revoked_at__isnull=True)
    assert key not in row.key_hash
    # the owner uses the key the advisor took: the firm's, not the advisor's
    activation = firm_activation_start(
        staff=owner, client=named, key=key, certificate=certificate_upload()
    )
    assert activation.status == ActivationStatus.PENDING
    assert "firm.activation_requested" in actions(named.memorial_id)
    assert "activation.started" in actions(named.memorial_id)


def test_a_wrong_key_is_refused_counted_and_the_subject_told(
    named, advisor, django_capture_on_commit_callbacks
):
    firm_activation_key_issue(staff=advisor, client=named)
    refused = pytest.raises(StewardshipError, match="not your activation key")
    with django_capture_on_commit_callbacks(execute=True), refused:
        firm_activation_start(
            staff=advisor,
            client=named,
            key="AAAAA-AAAAA-AAAAA-AAAAA-AAAAA",
            certificate=certificate_upload(),
        )
    assert FirmActivationKey.objects.get(client=named).failed_attempts == 1
    assert any(named.user.email in m.to for m in mail.outbox)


def test_the_death_certificate_is_required(named, advisor):
    key = firm_activation_key_issue(staff=advisor, client=named)
    with pytest.raises(StewardshipError):
        firm_activation_start(staff=advisor, client=named, key=key, certificate=None)


def test_nobody_at_the_firm_approves_the_firms_own_request(named, owner, advisor):
    # given a family steward too, and the firm's request
    family_steward = MembershipFactory(memorial=named.memorial, role=Role.STEWARD).user
    key = firm_activation_key_issue(staff=advisor, client=named)
    activation = firm_activation_start(
        staff=advisor, client=named, key=key, certificate=certificate_upload()
    )
    # then neither the advisor who asked nor the owner may approve it
    for person in (advisor.user, owner.user):
        with pytest.raises(ActivationError, match="Another steward"):
            activation_approve(activation=activation, approver=person)
    # and Legacy staff do not either: the memorial has another steward to ask
    with pytest.raises(ActivationError):
        activation_approve_as_staff(activation=activation, staff_user=UserFactory(is_staff=True))
    # the family steward approves: the memorial is active
    activation_approve(activation=activation, approver=family_steward)
    named.memorial.refresh_from_db()
    assert named.memorial.state == MemorialState.ACTIVE


def test_the_firm_as_only_steward_is_reviewed_by_legacy_staff(named, advisor):
    key = firm_activation_key_issue(staff=advisor, client=named)
    activation = firm_activation_start(
        staff=advisor, client=named, key=key, certificate=certificate_upload()
    )
    reviewer = UserFactory(is_staff=True)
    reviews = activation_reviews_for_staff(user=reviewer, now=activation.approvable_at)
    assert [r.activation.id for r in reviews] == [activation.id]
    activation_approve_as_staff(activation=activation, staff_user=reviewer)
    named.memorial.refresh_from_db()
    assert named.memorial.state == MemorialState.ACTIVE


def test_the_firm_may_approve_another_stewards_request(named, advisor):
    family_steward = MembershipFactory(memorial=named.memorial, role=Role.STEWARD).user
    key = activation_key_issue(memorial=named.memorial, steward=family_steward)
    activation = activation_start(
        memorial=named.memorial, steward=family_steward, key=key, certificate=certificate_upload()
    )
    activation_approve(activation=activation, approver=advisor.user)
    activation.refresh_from_db()
    assert activation.status == ActivationStatus.APPROVED


def test_withdrawing_the_role_stops_the_key_at_once(named, advisor):
    key = firm_activation_key_issue(staff=advisor, client=named)
    withdrawn = professional_steward_withdraw(client=named, actor=named.user)
    assert not FirmActivationKey.objects.filter(client=named, revoked_at__isnull=True).exists()
    with pytest.raises(StewardshipError):
        firm_activation_start(
            staff=advisor, client=withdrawn, key=key, certificate=certificate_upload()
        )
    # the memorial path refuses the advisor too, whatever calls it
    with pytest.raises(ActivationError, match="Only the memorial's stewards"):
        activation_start(
            memorial=named.memorial, steward=advisor.user, key=key, certificate=certificate_upload()
        )
    assert "firm.steward_withdrawn" in actions(named.memorial_id)


def test_removed_staff_no_longer_act_for_the_firm(named, advisor):
    key = firm_activation_key_issue(staff=advisor, client=named)
    advisor.removed_at = named.created_at
    advisor.save(update_fields=["removed_at"])
    with pytest.raises(ActivationError, match="Only the memorial's stewards"):
        activation_start(
            memorial=named.memorial, steward=advisor.user, key=key, certificate=certificate_upload()
        )


def test_the_firm_is_told_as_a_steward(named, owner, advisor, django_capture_on_commit_callbacks):
    family_steward = MembershipFactory(memorial=named.memorial, role=Role.STEWARD).user
    key = activation_key_issue(memorial=named.memorial, steward=family_steward)
    with django_capture_on_commit_callbacks(execute=True):
        activation_start(
            memorial=named.memorial,
            steward=family_steward,
            key=key,
            certificate=certificate_upload(),
        )
    told = {address for m in mail.outbox if "review" in m.subject.lower() for address in m.to}
    assert {owner.user.email, advisor.user.email} <= told


def test_the_firm_withdraws_its_own_request(named, owner, advisor):
    key = firm_activation_key_issue(staff=advisor, client=named)
    firm_activation_start(staff=advisor, client=named, key=key, certificate=certificate_upload())
    cancelled = firm_activation_withdraw(staff=owner, client=named)
    assert cancelled.status == ActivationStatus.CANCELLED
    assert "firm.activation_withdrawn" in actions(named.memorial_id)


# --- pages ------------------------------------------------------------------------------


def test_the_clients_card_names_and_withdraws_the_firm(client, client_):
    client.force_login(client_.user)
    page = client.get(client_.memorial.get_absolute_url()).content.decode()
    assert escape(f"Name {client_.firm.name} as a steward") in page
    assert "never sees" in page
    client.post(reverse("firms:client_steward", args=[client_.memorial_id]), {"action": "name"})
    client_.refresh_from_db()
    assert client_.professional_steward_since is not None
    page = client.get(client_.memorial.get_absolute_url()).content.decode()
    assert escape(f"Withdraw {client_.firm.name} as a steward") in page
    client.post(reverse("firms:client_steward", args=[client_.memorial_id]), {"action": "withdraw"})
    client_.refresh_from_db()
    assert client_.professional_steward_since is None


def test_the_card_and_its_actions_are_the_subjects_alone(client, client_, advisor):
    steward = MembershipFactory(memorial=client_.memorial, role=Role.STEWARD).user
    client.force_login(steward)
    page = client.get(client_.memorial.get_absolute_url()).content.decode()
    assert "your-firm" not in page
    url = reverse("firms:client_steward", args=[client_.memorial_id])
    assert client.post(url, {"action": "name"}).status_code == 404
    client.force_login(advisor.user)
    assert client.post(url, {"action": "name"}).status_code == 404
    client_.refresh_from_db()
    assert client_.professional_steward_since is None


def test_the_firms_steward_page_is_404_until_named(client, client_, advisor):
    client.force_login(advisor.user)
    url = reverse("firms:steward", args=[client_.firm.slug, client_.id])
    assert client.get(url).status_code == 404
    professional_steward_name(client=client_, actor=client_.user)
    assert client.get(url).status_code == 200


def test_the_firm_takes_its_key_and_asks_to_activate_on_its_page(client, named, advisor):
    client.force_login(advisor.user)
    url = reverse("firms:steward", args=[named.firm.slug, named.id])
    page = client.post(url, {"action": "key"}).content.decode()
    row = FirmActivationKey.objects.get(client=named)
    key = page.split("data-key>")[1].split("<")[0]
    assert row.key_hash == activation_key_hash(key)
    response = client.post(
        url, {"action": "start", "key": key, "certificate": certificate_upload()}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "data-pending" in page and "Withdraw the firm" in page


def test_a_bad_key_on_the_page_is_a_clear_error(client, named, advisor):
    firm_activation_key_issue(staff=advisor, client=named)
    client.force_login(advisor.user)
    url = reverse("firms:steward", args=[named.firm.slug, named.id])
    response = client.post(
        url, {"action": "start", "key": "nope", "certificate": certificate_upload()}
    )
    assert response.status_code == 400
    assert "not your activation key" in response.content.decode()


def test_an_assistant_sees_the_state_but_cannot_act(client, named, assistant):
    client.force_login(assistant.user)
    url = reverse("firms:steward", args=[named.firm.slug, named.id])
    page = client.get(url).content.decode()
    assert "Where it stands" in page and "Take the firm" not in page
    client.post(url, {"action": "key"})
    assert not FirmActivationKey.objects.filter(client=named).exists()


def test_withdrawing_the_firm_cancels_its_waiting_request_and_tells_the_firm(
    client, named, owner, advisor, django_capture_on_commit_callbacks
):
    # given the firm's request to activate, waiting
    key = firm_activation_key_issue(staff=advisor, client=named)
    activation = firm_activation_start(
        staff=advisor, client=named, key=key, certificate=certificate_upload()
    )
    mail.outbox.clear()
    # when the client withdraws the firm as a steward on their own card
    client.force_login(named.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("firms:client_steward", args=[named.memorial_id]), {"action": "withdraw"}
        )
    # then the request is cancelled, both steps are in the trail, and the firm is told
    activation.refresh_from_db()
    assert activation.status == ActivationStatus.CANCELLED
    done = actions(named.memorial_id)
    assert "firm.steward_withdrawn" in done and "firm.activation_cancelled_by_client" in done
    told = [m for m in mail.outbox if "withdrawn" in m.subject]
    assert {owner.user.email, advisor.user.email} <= {a for m in told for a in m.to}
    assert all("has been cancelled" in m.body for m in told)


def test_withdrawing_the_firm_leaves_another_stewards_request_alone(named, advisor):
    # given a family steward's waiting request
    family_steward = MembershipFactory(memorial=named.memorial, role=Role.STEWARD).user
    key = activation_key_issue(memorial=named.memorial, steward=family_steward)
    activation = activation_start(
        memorial=named.memorial, steward=family_steward, key=key, certificate=certificate_upload()
    )
    # when the client withdraws the firm
    professional_steward_withdraw(client=named, actor=named.user)
    # then the family's request still waits
    activation.refresh_from_db()
    assert activation.status == ActivationStatus.PENDING
    assert "firm.activation_cancelled_by_client" not in actions(named.memorial_id)
