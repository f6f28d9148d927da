import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from memorials.models import Invitation, Membership, Role
from memorials.services import InvitationError, invitation_accept, invitation_create
from tests.accounts.factories import UserFactory
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


def invite_link_from_outbox() -> str:
    match = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def test_subject_invites_family_by_email_and_they_accept(
    client, django_capture_on_commit_callbacks
):
    # given a subject on their memorial page
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    # when they invite an address
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("memorials:invite", args=[memorial.id]),
            {"email": "Sister@Example.org", "role": Role.FAMILY},
        )
    # then a mail with a single-use link goes to that address
    assert mail.outbox[-1].to == ["sister@example.org"]
    link = invite_link_from_outbox()
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not Invitation.objects.filter(token_hash=token).exists()  # only a hash is stored
    # and the invited person, signed in with that address, accepts it
    sister = UserFactory(email="sister@example.org")
    client.force_login(sister)
    assert "Accept the invitation" in client.get(link).content.decode()
    response = client.post(link, {"age_group": "adult"})
    assert response["Location"] == memorial.get_absolute_url()
    assert Membership.objects.get(memorial=memorial, user=sister).role == Role.FAMILY


def test_expired_invitation_is_refused():
    invitation = InvitationFactory(
        token="expired-token", expires_at=timezone.now() - timedelta(minutes=1)
    )
    invitee = UserFactory(email=invitation.email)
    with pytest.raises(InvitationError, match="expired"):
        invitation_accept(token="expired-token", user=invitee, age_group="adult")
    assert not Membership.objects.filter(user=invitee).exists()


def test_invitation_cannot_be_used_twice():
    invitation = InvitationFactory(token="once-only-token-value")
    invitee = UserFactory(email=invitation.email)
    invitation_accept(token="once-only-token-value", user=invitee, age_group="adult")
    with pytest.raises(InvitationError, match="already been used"):
        invitation_accept(token="once-only-token-value", user=invitee, age_group="adult")


def test_invitation_accepted_by_another_account_is_refused():
    invitation = InvitationFactory(token="someone-elses-token")
    stranger = UserFactory()
    with pytest.raises(InvitationError, match=invitation.email):
        invitation_accept(token="someone-elses-token", user=stranger, age_group="adult")
    assert not Membership.objects.filter(user=stranger).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None  # still usable by the right person


def test_unconfirmed_address_cannot_accept():
    invitation = InvitationFactory(token="unconfirmed-token")
    invitee = UserFactory(email=invitation.email)
    invitee.emailaddress_set.update(verified=False)
    with pytest.raises(InvitationError):
        invitation_accept(token="unconfirmed-token", user=invitee, age_group="adult")


def test_withdrawn_and_unknown_tokens_are_refused(client):
    invitation = InvitationFactory(token="withdrawn-token", revoked_at=timezone.now())
    invitee = UserFactory(email=invitation.email)
    with pytest.raises(InvitationError, match="not valid"):
        invitation_accept(token="withdrawn-token", user=invitee, age_group="adult")
    client.force_login(invitee)
    response = client.get(reverse("invitations:show", args=["no-such-token"]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_anonymous_holder_is_asked_to_sign_in_with_the_invited_address(client):
    InvitationFactory(token="anon-token")
    page = client.get(reverse("invitations:show", args=["anon-token"])).content.decode()
    assert "Create your account" in page and "I already have an account" in page
    assert "next=/invitations/anon-token/" in page


def test_cannot_invite_an_existing_member_or_twice():
    membership = MembershipFactory(role=Role.FAMILY)
    memorial = membership.memorial
    kwargs = {"memorial": memorial, "invited_by": memorial.subject, "base_url": "http://t/"}
    with pytest.raises(InvitationError, match="already part"):
        invitation_create(email=membership.user.email, role=Role.FAMILY, **kwargs)
    invitation_create(email="new@example.org", role=Role.STEWARD, **kwargs)
    with pytest.raises(InvitationError, match="already has an invitation"):
        invitation_create(email="new@example.org", role=Role.FAMILY, **kwargs)
    with pytest.raises(InvitationError):
        invitation_create(email="sub@example.org", role=Role.SUBJECT, **kwargs)


def _invite(client, memorial, email, role, capture):
    client.force_login(memorial.subject)
    with capture(execute=True):
        client.post(reverse("memorials:invite", args=[memorial.id]), {"email": email, "role": role})
    client.logout()
    return mail.outbox[-1]


def test_the_mail_names_the_subject_explains_legacy_and_the_role_and_says_no_memorial_while_living(
    client, django_capture_on_commit_callbacks
):
    memorial = MemorialFactory(name="Rose Hart")
    memorial.subject.full_name = ""  # the inviter has no display name: never their address
    memorial.subject.save(update_fields=["full_name"])
    capture = django_capture_on_commit_callbacks
    family = _invite(client, memorial, "lily@example.org", Role.FAMILY, capture)
    steward = _invite(client, memorial, "tom@example.org", Role.STEWARD, capture)
    assert family.subject.endswith("Rose Hart has invited you to Rose Hart's Legacy")
    for message in (family, steward):
        words = message.subject + message.body
        assert memorial.subject.email not in words
        assert "memorial" not in words.lower()  # she lives
        assert "Legacy keeps a person's own words" in message.body
        assert "nothing else to confirm" in message.body
    assert "As family, you will be able to talk" in family.body
    assert "A steward is someone Rose Hart trusts" in steward.body


def test_the_landing_page_offers_an_account_first_with_the_address_and_needs_no_second_confirmation(
    client, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    memorial = MemorialFactory(name="Rose Hart")
    _invite(client, memorial, "lily@example.org", Role.FAMILY, django_capture_on_commit_callbacks)
    link = invite_link_from_outbox()
    path = "/invitations/" + link.rstrip("/").rsplit("/", 1)[-1] + "/"
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200 and "Rose Hart has invited you" in html
    assert html.index("Create your account") < html.index("I already have an account")
    assert "email=lily%40example.org" in html

    # the invitee signs up with the invited address: confirmed by the link, signed in
    passphrase = "a long calm passphrase 7"
    with django_capture_on_commit_callbacks(execute=True):
        signup = client.post(
            f"/accounts/signup/?next={path}",
            {"email": "lily@example.org", "password1": passphrase, "password2": passphrase},
        )
    assert signup.status_code == 302 and signup["Location"] == path
    assert EmailAddress.objects.get(email="lily@example.org").verified
    accepted = client.post(path, {"age_group": "adult"})
    assert accepted.status_code == 302
    assert Membership.objects.filter(memorial=memorial, user__email="lily@example.org").exists()


def test_a_broken_link_says_so_to_anyone(client):
    page = client.get("/invitations/not-a-token/")
    assert page.status_code == 400 and "This invitation link is not valid" in page.content.decode()
