import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_events_for
from core.models import AuditEvent
from firms.clients import (
    ClientError,
    client_create,
    client_invitation_accept,
    client_invitation_send,
    client_invitation_token_hash,
)
from firms.models import ClientStage, FirmClient, FirmRole
from firms.signals import client_joined
from firms.trail import firm_audit_events
from memorials.models import Membership, Role
from tests.accounts.factories import UserFactory
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db


def client_link_from_outbox() -> str:
    match = re.search(r"https?://\S+/f/invitation/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def test_a_client_is_added_and_invited_in_the_firms_name(django_capture_on_commit_callbacks):
    # given a firm and its advisor
    firm = firm_make(name="Hart & Vale")
    advisor = staff_make(firm=firm)
    # when the advisor adds a client
    with django_capture_on_commit_callbacks(execute=True):
        client = client_create(
            firm=firm,
            actor=advisor.user,
            name=" Ada  Byron ",
            email="Ada@Example.org",
            advisor=advisor,
        )
    # then the client is on the roster, invited, and only the token's hash is kept
    assert (client.name, client.email, client.advisor) == ("Ada Byron", "ada@example.org", advisor)
    assert client.stage == ClientStage.INVITED
    assert client.invitation_expires_at > timezone.now() + timedelta(days=13)
    assert mail.outbox[-1].to == ["ada@example.org"]
    assert "Hart & Vale has invited you" in mail.outbox[-1].subject
    token = token_of(client_link_from_outbox())
    client.refresh_from_db()
    assert client.invitation_token_hash == client_invitation_token_hash(token)
    assert token not in client.invitation_token_hash
    actions = list(
        AuditEvent.objects.filter(data__client=str(client.id)).values_list("action", flat=True)
    )
    assert actions == ["firm.client_added", "firm.client_invited"]


def test_adding_the_same_address_again_changes_nothing(django_capture_on_commit_callbacks):
    firm = firm_make()
    advisor = staff_make(firm=firm)
    with django_capture_on_commit_callbacks(execute=True):
        first = client_create(firm=firm, actor=advisor.user, name="Ada", email="ada@example.org")
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = client_create(firm=firm, actor=advisor.user, name="Other", email="ADA@example.org")
    assert again.pk == first.pk and again.name == "Ada"
    assert FirmClient.objects.filter(firm=firm).count() == 1
    assert len(mail.outbox) == sent


def test_bad_input_is_refused_with_a_reason():
    firm, other = firm_make(), firm_make()
    actor = staff_make(firm=firm).user
    with pytest.raises(ClientError, match="not an email address"):
        client_create(firm=firm, actor=actor, name="Ada", email="ada-at-example")
    with pytest.raises(ClientError, match="cannot be empty"):
        client_create(firm=firm, actor=actor, name="  ", email="ada@example.org")
    with pytest.raises(ClientError, match="current staff"):
        client_create(
            firm=firm,
            actor=actor,
            name="Ada",
            email="ada@example.org",
            advisor=staff_make(firm=other),
        )
    assert not FirmClient.objects.filter(firm=firm).exists()


def test_sending_again_replaces_the_link(django_capture_on_commit_callbacks):
    firm = firm_make()
    actor = staff_make(firm=firm).user
    with django_capture_on_commit_callbacks(execute=True):
        client = client_create(firm=firm, actor=actor, name="Ada", email="ada@example.org")
    old = token_of(client_link_from_outbox())
    with django_capture_on_commit_callbacks(execute=True):
        client_invitation_send(client=client, actor=actor)
    new = token_of(client_link_from_outbox())
    assert new != old
    user = UserFactory(email="ada@example.org")
    with pytest.raises(ClientError, match="not valid"):
        client_invitation_accept(token=old, user=user)
    assert client_invitation_accept(token=new, user=user).memorial is not None


def test_accepting_makes_the_clients_own_memorial_with_the_firm_attached(
    client, django_capture_on_commit_callbacks
):
    # given an invited client
    firm = firm_make(name="Hart & Vale")
    actor = staff_make(firm=firm).user
    with django_capture_on_commit_callbacks(execute=True):
        roster = client_create(firm=firm, actor=actor, name="Ada Byron", email="ada@example.org")
    link = client_link_from_outbox()
    joined = []

    def receiver(sender, client, **kwargs):
        joined.append(client.pk)

    client_joined.connect(receiver)
    try:
        # when they open the link signed out, they are asked to sign up with that address
        page = client.get(link).content.decode()
        assert "Hart &amp; Vale has invited you" in page and "ada@example.org" in page
        # and once signed in with it, they accept
        ada = UserFactory(email="ada@example.org")
        client.force_login(ada)
        assert "Accept and make my memorial" in client.get(link).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(link)
    finally:
        client_joined.disconnect(receiver)
    # then they are the subject of their own new memorial, sent to sign their consents
    roster.refresh_from_db()
    assert roster.user == ada and roster.accepted_at is not None
    assert roster.stage == ClientStage.JOINED and roster.invitation_token_hash == ""
    assert roster.memorial.subject == ada
    assert Membership.objects.get(memorial=roster.memorial, user=ada).role == Role.SUBJECT
    assert response["Location"] == reverse(
        "consent:overview", kwargs={"memorial_id": roster.memorial_id}
    )
    assert joined == [roster.pk]
    # and its status columns were read at once (the plan in effect)
    assert roster.plan_code == settings.BILLING_PLAN_WITHOUT_SUBSCRIPTION
    # the firm is not a member of it
    assert not Membership.objects.filter(memorial=roster.memorial, user=actor).exists()
    # the join is in the memorial's log and the firm's trail
    in_memorial_log = [e.action for e in audit_events_for(memorial_id=roster.memorial_id)]
    assert "client.joined_firm" in in_memorial_log
    assert "client.joined_firm" in [e.action for e in firm_audit_events(firm=firm)]
    # and the link is spent
    assert client.get(link).status_code == 400


def test_only_the_invited_address_may_accept():
    firm = firm_make()
    roster = client_make(firm=firm, email="ada@example.org")
    client_invitation_send(client=roster, actor=None)
    roster.refresh_from_db()
    stranger = UserFactory()
    token = "t"
    FirmClient.objects.filter(pk=roster.pk).update(
        invitation_token_hash=client_invitation_token_hash(token)
    )
    with pytest.raises(ClientError, match=r"ada@example\.org"):
        client_invitation_accept(token=token, user=stranger)
    unconfirmed = UserFactory(email="ada@example.org")
    unconfirmed.emailaddress_set.update(verified=False)
    with pytest.raises(ClientError, match="confirm"):
        client_invitation_accept(token=token, user=unconfirmed)
    roster.refresh_from_db()
    assert roster.accepted_at is None and roster.memorial is None


def test_an_expired_or_detached_invitation_is_refused():
    firm = firm_make()
    roster = client_make(firm=firm, email="ada@example.org")
    ada = UserFactory(email="ada@example.org")
    FirmClient.objects.filter(pk=roster.pk).update(
        invitation_token_hash=client_invitation_token_hash("late"),
        invitation_expires_at=timezone.now() - timedelta(minutes=1),
    )
    with pytest.raises(ClientError, match="expired"):
        client_invitation_accept(token="late", user=ada)
    FirmClient.objects.filter(pk=roster.pk).update(
        invitation_expires_at=timezone.now() + timedelta(days=1), detached_at=timezone.now()
    )
    with pytest.raises(ClientError, match="not valid"):
        client_invitation_accept(token="late", user=ada)
    with pytest.raises(ClientError, match="not valid"):
        client_invitation_accept(token="", user=ada)


def test_a_joined_client_is_not_invited_again():
    firm = firm_make()
    roster = client_make(firm=firm, joined=True)
    with pytest.raises(ClientError, match="already accepted"):
        client_invitation_send(client=roster, actor=staff_make(firm=firm, role=FirmRole.OWNER).user)
