import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from firms.models import FirmRole, FirmStaff, FirmStaffInvitation
from firms.staff import (
    StaffError,
    staff_invitation_accept,
    staff_invite,
    staff_remove,
    staff_role_change,
    staff_token_hash,
)
from tests.accounts.factories import UserFactory
from tests.firms.factories import firm_make, staff_make, user_with_two_factor

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def link_from_outbox() -> str:
    match = re.search(r"https?://\S+/firms/invitations/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def invited(owner: FirmStaff, email: str, role: str, capture) -> tuple[FirmStaffInvitation, str]:
    with capture(execute=True):
        invitation = staff_invite(
            staff=owner, email=email, role=role, base_url="http://testserver/"
        )
    path = "/firms/invitations/" + link_from_outbox().rstrip("/").rsplit("/", 1)[-1] + "/"
    return invitation, path


def test_an_owner_invites_an_advisor_in_the_firms_name_and_they_join(
    client, django_capture_on_commit_callbacks
):
    # given an owner on the staff page
    firm = firm_make(name="Hart & Vale", sender_name="Hart & Vale Office")
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    client.force_login(owner.user)
    staff_url = reverse("firms:staff", kwargs={"slug": firm.slug})
    # when they invite an address as an advisor
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(staff_url, {"email": "Ann@Example.org", "role": "advisor"})
    assert response.status_code == 302
    # then a mail in the firm's name carries a single-use link; only its hash is stored
    sent = mail.outbox[-1]
    assert sent.to == ["ann@example.org"] and "Hart & Vale" in sent.subject
    assert "Hart & Vale Office" in sent.from_email
    link = link_from_outbox()
    token = link.rstrip("/").rsplit("/", 1)[-1]
    invitation = FirmStaffInvitation.objects.get(firm=firm)
    assert invitation.token_hash == staff_token_hash(token) and token not in invitation.token_hash
    assert "ann@example.org" in client.get(staff_url).content.decode()  # waiting
    # and the invited person, signed in with that address, joins as an advisor
    ann = user_with_two_factor(email="ann@example.org")
    browser = signed_in(ann)
    assert "Join Hart &amp; Vale" in browser.get(link).content.decode()
    assert browser.post(link).status_code == 302
    assert FirmStaff.objects.get(firm=firm, user=ann).role == FirmRole.ADVISOR
    assert browser.get(staff_url).status_code == 200
    actions = list(
        AuditEvent.objects.filter(data__firm=str(firm.id)).values_list("action", flat=True)
    )
    assert actions == ["firm.staff_invited", "firm.staff_joined"]


def test_the_link_works_once_for_the_invited_address_only(django_capture_on_commit_callbacks):
    owner = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    _, path = invited(
        owner, "ann@example.org", FirmRole.ASSISTANT, django_capture_on_commit_callbacks
    )
    token = path.rstrip("/").rsplit("/", 1)[-1]
    with pytest.raises(StaffError, match=r"sent to ann@example\.org"):
        staff_invitation_accept(token=token, user=UserFactory(email="bob@example.org"))
    staff_invitation_accept(token=token, user=UserFactory(email="ann@example.org"))
    with pytest.raises(StaffError, match="already been used"):
        staff_invitation_accept(token=token, user=UserFactory(email="ANN2@example.org"))


def test_expired_withdrawn_and_unknown_links_are_refused(
    client, django_capture_on_commit_callbacks
):
    owner = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    invitation, path = invited(
        owner, "ann@example.org", FirmRole.ADVISOR, django_capture_on_commit_callbacks
    )
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save(update_fields=["expires_at"])
    page = client.get(path)
    assert page.status_code == 400 and "expired" in page.content.decode()
    # a new one, withdrawn from the staff page
    invitation, path = invited(
        owner, "ann@example.org", FirmRole.ADVISOR, django_capture_on_commit_callbacks
    )
    client.force_login(owner.user)
    client.post(
        reverse(
            "firms:staff_invitation_revoke",
            kwargs={"slug": owner.firm.slug, "invitation_id": invitation.pk},
        )
    )
    assert FirmStaffInvitation.objects.get(pk=invitation.pk).revoked_at is not None
    assert AuditEvent.objects.filter(action="firm.staff_invitation_revoked").count() == 1
    client.logout()
    assert client.get(path).status_code == 400
    assert client.get("/firms/invitations/not-a-token/").status_code == 400


def test_someone_signed_out_is_asked_to_sign_up_with_the_invited_address(
    client, django_capture_on_commit_callbacks
):
    owner = staff_make(firm=firm_make(name="Hart & Vale"), role=FirmRole.OWNER)
    _, path = invited(
        owner, "ann@example.org", FirmRole.ADVISOR, django_capture_on_commit_callbacks
    )
    html = client.get(path).content.decode()
    assert "Hart &amp; Vale has invited you" in html and "an advisor" in html
    assert "email=ann%40example.org" in html and f"next={path}" in html


def test_inviting_twice_or_someone_already_on_the_staff_is_refused(
    django_capture_on_commit_callbacks,
):
    owner = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    advisor = staff_make(firm=owner.firm)
    invited(owner, "ann@example.org", FirmRole.ADVISOR, django_capture_on_commit_callbacks)
    with pytest.raises(StaffError, match="already has an invitation"):
        staff_invite(staff=owner, email="ANN@example.org", role="advisor", base_url="http://x/")
    with pytest.raises(StaffError, match="already on the staff"):
        staff_invite(staff=owner, email=advisor.user.email, role="advisor", base_url="http://x/")
    with pytest.raises(StaffError, match="Only an owner"):
        staff_invite(staff=advisor, email="cy@example.org", role="owner", base_url="http://x/")


def test_a_role_change_takes_effect_at_once(client):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    settings_url = reverse("firms:settings", kwargs={"slug": firm.slug})
    browser = signed_in(advisor.user)
    assert browser.get(settings_url).status_code == 200
    client.force_login(owner.user)
    client.post(
        reverse("firms:staff_role", kwargs={"slug": firm.slug, "member_id": advisor.pk}),
        {"role": "assistant"},
    )
    assert FirmStaff.objects.get(pk=advisor.pk).role == FirmRole.ASSISTANT
    assert browser.get(settings_url).status_code == 404
    event = AuditEvent.objects.get(action="firm.staff_role_changed")
    assert event.data["from"] == "advisor" and event.data["role"] == "assistant"


def test_only_an_owner_touches_an_owner_and_the_last_owner_stays(client):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    with pytest.raises(StaffError, match="Only an owner"):
        staff_role_change(staff=advisor, member_id=owner.pk, role="assistant")
    with pytest.raises(StaffError, match="Only an owner"):
        staff_role_change(staff=advisor, member_id=advisor.pk, role="owner")
    with pytest.raises(StaffError, match="always has an owner"):
        staff_remove(staff=owner, member_id=owner.pk)
    with pytest.raises(StaffError, match="always has an owner"):
        staff_role_change(staff=owner, member_id=owner.pk, role="advisor")
    # through the page too: nothing changes, the reason is shown
    client.force_login(owner.user)
    url = reverse("firms:staff_remove", kwargs={"slug": firm.slug, "member_id": owner.pk})
    page = client.post(url, follow=True)
    assert "always has an owner" in page.content.decode()
    assert FirmStaff.objects.get(pk=owner.pk).removed_at is None
    # with a second owner, the first may step down
    staff_role_change(staff=owner, member_id=advisor.pk, role="owner")
    staff_role_change(staff=owner, member_id=owner.pk, role="advisor")
    assert FirmStaff.objects.get(pk=owner.pk).role == FirmRole.ADVISOR


def test_removing_someone_asks_first_then_they_lose_access_at_once(client):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    browser = signed_in(advisor.user)
    staff_url = reverse("firms:staff", kwargs={"slug": firm.slug})
    assert browser.get(staff_url).status_code == 200
    client.force_login(owner.user)
    url = reverse("firms:staff_remove", kwargs={"slug": firm.slug, "member_id": advisor.pk})
    confirm = client.get(url)
    assert confirm.status_code == 200 and "lose access" in confirm.content.decode()
    assert FirmStaff.objects.get(pk=advisor.pk).removed_at is None  # asking changes nothing
    assert client.post(url).status_code == 302
    assert FirmStaff.objects.get(pk=advisor.pk).removed_at is not None
    assert browser.get(staff_url).status_code == 404
    assert browser.get(reverse("firms:mine")).content.decode().count(firm.name) == 0
    assert AuditEvent.objects.get(action="firm.staff_removed").data["staff"] == advisor.pk


@pytest.mark.parametrize("name", ["staff", "settings"])
def test_an_assistant_or_a_stranger_finds_no_staff_or_settings_page(name):
    firm = firm_make()
    staff_make(firm=firm, role=FirmRole.OWNER)
    assistant = staff_make(firm=firm, role=FirmRole.ASSISTANT)
    other_firm_owner = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    url = reverse(f"firms:{name}", kwargs={"slug": firm.slug})
    for user in (assistant.user, other_firm_owner.user, user_with_two_factor()):
        assert signed_in(user).get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_the_staff_page_lists_staff_and_the_nav_shows_staff_and_settings(client):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    assistant = staff_make(firm=firm, role=FirmRole.ASSISTANT)
    client.force_login(owner.user)
    html = client.get(reverse("firms:staff", kwargs={"slug": firm.slug})).content.decode()
    assert assistant.user.email in html and owner.user.email in html
    assert reverse("firms:settings", kwargs={"slug": firm.slug}) in html
