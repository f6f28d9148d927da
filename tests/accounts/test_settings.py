"""The person's own settings: name, time zone, password, and deleting the account."""

from __future__ import annotations

import json
import re
import zoneinfo
from base64 import b64decode

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_time_zone_detect
from memorials.models import ErasureCertificate, Membership, Memorial, MemorialState, Role
from tests.accounts.factories import PASSWORD, UserFactory
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_settings_page_changes_the_display_name_and_time_zone(client):
    user = UserFactory(full_name="Old Name", time_zone="")
    client.force_login(user)
    assert client.get(reverse("accounts:settings")).status_code == 200
    response = client.post(
        reverse("accounts:settings"),
        {"full_name": "  Rosa   Lind ", "time_zone": "Europe/Stockholm"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.time_zone) == ("Rosa Lind", "Europe/Stockholm")


def test_an_unknown_time_zone_or_a_broken_name_is_refused(client):
    user = UserFactory(full_name="Rosa", time_zone="Europe/Stockholm")
    client.force_login(user)
    response = client.post(
        reverse("accounts:settings"), {"full_name": "Rosa\nBcc: x", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert (user.full_name, user.time_zone) == ("Rosa", "Europe/Stockholm")


def test_the_browser_zone_is_kept_only_while_none_is_chosen(client):
    user = UserFactory(time_zone="")
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "js/time-zone.js" in page  # asked once, while unknown
    client.post(reverse("accounts:time_zone_detect"), {"time_zone": "America/Toronto"})
    user.refresh_from_db()
    assert user.time_zone == "America/Toronto"
    assert "js/time-zone.js" not in client.get(reverse("home")).content.decode()
    # a zone chosen is never replaced by a detection, nor is nonsense kept
    assert user_time_zone_detect(user=user, time_zone="Asia/Tokyo") is False
    other = UserFactory(time_zone="")
    assert user_time_zone_detect(user=other, time_zone="Nowhere/Else") is False


def test_times_are_shown_in_the_person_s_time_zone(client, settings):
    # given a person in Tokyo (UTC+9, no summer time), on a site that keeps UTC
    settings.TIME_ZONE = "UTC"
    user = UserFactory(time_zone="Asia/Tokyo")
    client.force_login(user)
    # when they open a page that shows the time, it is Tokyo's
    before = timezone.now()
    page = client.get(reverse("accounts:settings")).content.decode()
    after = timezone.now()
    shown = re.search(r"Right now that is (\d\d:\d\d)", page).group(1)
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    expected = {moment.astimezone(tokyo).strftime("%H:%M") for moment in (before, after)}
    assert shown in expected
    assert timezone.get_current_timezone_name() == "UTC"  # and only for their request


def test_the_password_is_changed_from_the_settings(client):
    user = UserFactory()
    client.force_login(user)
    settings_page = client.get(reverse("accounts:settings")).content.decode()
    assert reverse("account_change_password") in settings_page
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a new and quiet phrase",
            "password2": "a new and quiet phrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new and quiet phrase")


def _reauthenticated(client, user):
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


def test_deleting_asks_who_you_are_before_anything_happens(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("account_delete"))
    assert page.status_code == 200
    response = client.post(reverse("account_delete"), {"understood": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert User.objects.filter(pk=user.pk).exists()


def test_a_family_member_deletes_their_account(client):
    # given a family member of someone's memorial
    membership = MembershipFactory(role=Role.FAMILY)
    user = membership.user
    _reauthenticated(client, user)
    page = client.get(reverse("account_delete")).content.decode()
    assert membership.memorial.name in page
    assert "Your Legacy will be erased first" not in page
    # when they confirm
    response = client.post(reverse("account_delete"), {"understood": "on"})
    # then their account and membership are gone, they are signed out, and the memorial stays
    assert response.status_code == 200
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert "_auth_user_id" not in client.session
    assert Memorial.objects.get(pk=membership.memorial_id).state != MemorialState.ERASED


def test_deleting_needs_the_box_ticked(client):
    user = UserFactory()
    _reauthenticated(client, user)
    assert client.post(reverse("account_delete"), {}).status_code == 400
    assert User.objects.filter(pk=user.pk).exists()


def test_a_subject_s_memorials_are_erased_through_the_kill_switch_first(client):
    # given a subject with a memorial and a family member in it
    memorial = MemorialFactory(name="Greta Halloway")
    subject = memorial.subject
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    _reauthenticated(client, subject)
    # the page says so before anything happens
    page = client.get(reverse("account_delete")).content.decode()
    assert "Your Legacy will be erased first" in page
    assert "Greta Halloway" in page
    # when they confirm
    response = client.post(reverse("account_delete"), {"understood": "on"})
    # then the memorial is a tombstone with its certificate, offered for download once
    assert response.status_code == 200
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.ERASED
    certificate = ErasureCertificate.objects.get(memorial=memorial)
    assert certificate.body["erased_by_role"] == "subject"
    href = re.search(r'href="data:application/json;base64,([^"]+)"', response.content.decode())
    assert json.loads(b64decode(href.group(1)))["certificate"]["memorial_id"] == str(memorial.id)
    # and the account can never be used again: no address, no name, no password
    subject.refresh_from_db()
    assert not subject.is_active
    assert subject.full_name == ""
    assert subject.email.endswith("@closed.invalid")
    assert not subject.has_usable_password()
    assert not EmailAddress.objects.filter(user=subject).exists()
    assert "_auth_user_id" not in client.session
    assert not client.login(email=subject.email, password=PASSWORD)
    # the family member's own account is untouched
    assert User.objects.filter(pk=family.pk, is_active=True).exists()
