"""The kill switch: its service, its certificate, who may pull it, and its pages."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord
from core import holders as holders_module
from core.audit import audit_events_for, audit_verify
from core.consent import ConsentScope
from core.crypto import KeyDestroyed, memorial_cipher
from core.holders import DataHolder, ErasedCount, holder_register
from core.models import MemorialKey, TrackedTask
from core.signing import certificate_verify
from memorials.erasure.selectors import (
    MemorialErased,
    erasure_membership_for,
    memorial_erased_check,
)
from memorials.erasure.services import erasure_certificate_document, memorial_erase
from memorials.models import (
    ActivationRequest,
    ActivationStatus,
    ErasureCertificate,
    Invitation,
    Membership,
    Memorial,
    MemorialState,
    MemorialWishes,
    Role,
)
from memorials.selectors import MemorialNotFound
from tests.accounts.factories import PASSWORD, UserFactory
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    """Register extra holders for one test, then put the registry back as it was."""
    saved = dict(holders_module._HOLDERS)
    yield holder_register
    holders_module._HOLDERS.clear()
    holders_module._HOLDERS.update(saved)


def filled_memorial() -> Memorial:
    memorial = MemorialFactory(name="Ada Lovelace")
    MembershipFactory(memorial=memorial, role=Role.FAMILY)
    MembershipFactory(memorial=memorial, role=Role.STEWARD)
    InvitationFactory(memorial=memorial)
    grant_consent(memorial, ConsentScope.CORPUS, ConsentScope.VOICE)
    memorial_cipher(memorial_id=memorial.id)  # makes its data key
    return memorial


def test_erasure_destroys_the_key_first_then_every_holder_and_leaves_a_tombstone(registry):
    # given a memorial with base data and a holder that checks the key is gone before it runs
    memorial = filled_memorial()
    token = memorial_cipher(memorial_id=memorial.id).encrypt_text("a letter to George")
    seen: list[str] = []

    def remote_erase(memorial_id):
        with pytest.raises(KeyDestroyed):
            memorial_cipher(memorial_id=memorial_id).decrypt_text(token)
        seen.append("erased")
        return ErasedCount(1, remote={"provider": "fake", "deleted": 1, "failed": 0})

    registry(DataHolder(name="test.remote", label="remote copies", count=lambda _: 1 - len(seen),
                        erase=remote_erase, order=5))  # fmt: skip

    # when the subject pulls the kill switch
    certificate = memorial_erase(
        memorial=memorial, actor=memorial.subject, reason="kill switch pulled by the subject"
    )

    # then the holder ran after the key was destroyed, and every base kind is gone
    assert seen == ["erased"]
    assert not ConsentRecord.objects.filter(memorial=memorial).exists()
    assert not Membership.objects.filter(memorial=memorial).exists()
    assert not Invitation.objects.filter(memorial=memorial).exists()
    # the key stays only as a destroyed tombstone, so no fresh key is ever made for it
    key = MemorialKey.objects.get(memorial_id=memorial.id)
    assert key.wrapped_key is None and key.destroyed_at is not None
    # and the memorial row is a content-free tombstone in state `erased`
    tombstone = Memorial.objects.get(pk=memorial.pk)
    assert (tombstone.state, tombstone.name) == (MemorialState.ERASED, "Erased memorial")
    # and the certificate says what went, with the remote result, and no content
    body = certificate.body
    kinds = {kind["name"]: kind for kind in body["data"]}
    assert kinds["memorials.memberships"]["before"] == 3
    assert kinds["memorials.memberships"]["after"] == 0
    assert kinds["consent.records"]["before"] == 2
    assert kinds["test.remote"]["details"] == {
        "remote": {"provider": "fake", "deleted": 1, "failed": 0}
    }
    assert body["complete"] is True and body["data_key"]["destroyed"] is True
    assert body["memorial_id"] == str(memorial.id) and body["erased_by_role"] == "subject"
    assert "Ada" not in json.dumps(body)
    # and the erasure is audited, without the memorial's id
    events = audit_events_for(memorial_id=memorial.id)
    assert events[0].action == "memorial.erased"
    assert str(memorial.id) not in json.dumps(events[0].data)
    assert audit_verify() is None


def test_a_failing_holder_is_on_the_certificate_and_the_rest_still_go(registry):
    memorial = filled_memorial()

    def broken(memorial_id):
        raise ConnectionError("the provider is down; secret content in the message")

    registry(DataHolder(name="test.broken", label="a broken copy", count=lambda _: 1,
                        erase=broken, order=1))  # fmt: skip
    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    kinds = {kind["name"]: kind for kind in certificate.body["data"]}
    assert kinds["test.broken"]["status"] == "failed"
    assert kinds["test.broken"]["error"] == "ConnectionError"  # never the message
    assert kinds["memorials.memberships"]["after"] == 0
    assert certificate.body["complete"] is False
    assert "secret" not in json.dumps(certificate.body)


def test_erasing_twice_returns_the_first_certificate():
    memorial = filled_memorial()
    first = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    again = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    assert again.pk == first.pk
    assert ErasureCertificate.objects.count() == 1


def test_tracked_tasks_are_revoked_and_forgotten(monkeypatch):
    memorial = filled_memorial()
    for scope in (ConsentScope.CORPUS, ConsentScope.VOICE):
        TrackedTask.objects.create(
            memorial_id=memorial.id, scope=scope, task_id=f"task-{scope}", task_name="corpus.ingest"
        )
    revoked: list[str] = []
    monkeypatch.setattr(
        "memorials.erasure.services.tasks_revoke", lambda ids: revoked.extend(ids) or True
    )
    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    assert sorted(revoked) == ["task-corpus", "task-voice"]
    assert certificate.body["tasks"]["revoked"] == 2
    assert not TrackedTask.objects.filter(memorial_id=memorial.id).exists()


def test_work_that_asks_stops_once_the_memorial_is_erased():
    memorial = filled_memorial()
    memorial_erased_check(memorial_id=memorial.id)  # alive: passes
    memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    with pytest.raises(MemorialErased):
        memorial_erased_check(memorial_id=memorial.id)
    with pytest.raises(MemorialErased):
        memorial_erased_check(memorial_id=uuid.uuid4())


def test_the_certificate_verifies_and_any_change_breaks_it(tmp_path):
    memorial = filled_memorial()
    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    document = erasure_certificate_document(certificate=certificate)
    assert certificate_verify(document=document).signed_by_this_server
    # it says plainly what was never encrypted (and so is not shredded with the key)
    assert "vectors" in document["certificate"]["search_structures"]
    # the command says so too
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(document))
    call_command("erasure_certificate_verify", str(path))
    # when someone edits a count
    document["certificate"]["data"][0]["before"] = 999
    path.write_text(json.dumps(document))
    assert not certificate_verify(document=document).valid
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("erasure_certificate_verify", str(path))


def test_a_certificate_signed_by_another_key_is_valid_but_not_ours(monkeypatch):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from core.signing import certificate_sign

    other = base64.urlsafe_b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode()
    monkeypatch.setenv("LEGACY_SIGNING_KEY", other)
    forged = certificate_sign(certificate={"kind": "legacy.erasure_certificate"}).document()
    monkeypatch.delenv("LEGACY_SIGNING_KEY")
    result = certificate_verify(document=forged)
    assert result.valid and not result.signed_by_this_server


# --- who may pull it ---------------------------------------------------------------------


def test_only_the_subject_may_erase_a_living_memorial():
    memorial = filled_memorial()
    assert erasure_membership_for(user=memorial.subject, memorial_id=memorial.id)
    for role in (Role.STEWARD, Role.FAMILY):
        member = Membership.objects.filter(memorial=memorial, role=role).first().user
        with pytest.raises(MemorialNotFound):
            erasure_membership_for(user=member, memorial_id=memorial.id)
    with pytest.raises(MemorialNotFound):
        erasure_membership_for(user=UserFactory(), memorial_id=memorial.id)


def test_after_death_a_steward_may_erase_only_when_the_wishes_say_so(client):
    memorial = filled_memorial()
    steward = Membership.objects.get(memorial=memorial, role=Role.STEWARD).user
    client.force_login(steward)
    MemorialWishes.objects.create(memorial=memorial, ending="erase")
    # an active memorial is not proof of death: a living subject may have opened it
    Memorial.objects.filter(pk=memorial.pk).update(state=MemorialState.ACTIVE)
    with pytest.raises(MemorialNotFound):
        erasure_membership_for(user=steward, memorial_id=memorial.id)
    assert "Ending the memorial" not in client.get(memorial.get_absolute_url()).content.decode()
    # when the death was shown and approved by someone else
    ActivationRequest.objects.create(
        memorial=memorial, started_by=steward, status=ActivationStatus.APPROVED,
        decided_by=UserFactory(is_staff=True), decided_as_staff=True, decided_at=timezone.now(),
        approvable_at=timezone.now(), certificate_path="", certificate_type="application/pdf",
        certificate_bytes=0,
    )  # fmt: skip
    # then the steward may, and their memorial page leads them to the kill switch
    assert erasure_membership_for(user=steward, memorial_id=memorial.id).role == Role.STEWARD
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "Ending the memorial" in page
    assert f"/memorials/{memorial.id}/erase/" in page


# --- the pages ---------------------------------------------------------------------------


def test_the_kill_switch_pages_reauthenticate_then_erase_and_keep_the_certificate(client):
    memorial = filled_memorial()
    client.force_login(memorial.subject)
    start = reverse("rights:erase", args=[memorial.id])

    # the page says what will be erased, kind by kind
    page = client.get(start)
    assert page.status_code == 200
    assert b"People and their roles" in page.content and b"Signed consents" in page.content

    # continuing first asks for the password again (allauth's reauthentication)
    asked = client.post(start, {"typed_name": "Ada"})
    assert asked.status_code == 302 and "/accounts/reauthenticate/" in asked["Location"]
    # allauth then resumes the suspended request: a wrong name erases nothing
    resumed = client.post(asked["Location"], {"password": PASSWORD})
    assert resumed.status_code == 400 and b"Nothing was erased" in resumed.content

    # the right name leads to the final confirmation
    confirm = client.post(start, {"typed_name": "Ada Lovelace"})
    assert confirm.status_code == 200
    assert b"Erase everything now" in confirm.content
    assert Memorial.objects.get(pk=memorial.pk).state != MemorialState.ERASED

    # without ticking "I understand", nothing happens
    final = reverse("rights:erase_confirm", args=[memorial.id])
    assert client.post(final, {"typed_name": "Ada Lovelace"}).status_code == 400

    done = client.post(final, {"typed_name": "Ada Lovelace", "understood": "on"})
    certificate = ErasureCertificate.objects.get(memorial_id=memorial.id)
    assert done["Location"] == reverse("rights:erased", args=[certificate.id])
    assert Memorial.objects.get(pk=memorial.pk).state == MemorialState.ERASED

    # the completion page and the download work after the erasure, for the one who erased
    assert b"Download the certificate" in client.get(done["Location"]).content
    download = client.get(reverse("rights:certificate", args=[certificate.id]))
    assert download["Content-Disposition"].startswith("attachment")
    assert certificate_verify(document=json.loads(download.content)).signed_by_this_server
    # the memorial itself is gone for everyone
    assert client.get(memorial.get_absolute_url()).status_code == 410  # "it was erased"
    assert client.get(start).status_code == 410
    # and nobody else can read the certificate
    client.force_login(UserFactory())
    assert client.get(reverse("rights:certificate", args=[certificate.id])).status_code == 404


def test_the_final_step_also_needs_a_recent_reauthentication(client):
    memorial = filled_memorial()
    client.force_login(memorial.subject)
    final = reverse("rights:erase_confirm", args=[memorial.id])
    response = client.post(final, {"typed_name": "Ada Lovelace", "understood": "on"})
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    assert Memorial.objects.get(pk=memorial.pk).state != MemorialState.ERASED


def test_family_and_strangers_get_404_from_the_kill_switch(client):
    memorial = filled_memorial()
    family = Membership.objects.get(memorial=memorial, role=Role.FAMILY).user
    for user in (family, UserFactory()):
        client.force_login(user)
        assert client.get(reverse("rights:erase", args=[memorial.id])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_after_the_holders_the_database_forgets_its_samples_of_the_rows(database_owner):
    # given a memorial whose invitations' (clear) token hashes the planner has sampled
    memorial = filled_memorial()
    marker = "statmarker" + uuid.uuid4().hex[:8]
    for number in range(30):
        InvitationFactory(memorial=memorial, token_hash=f"{marker}{number:02d}")
    database_owner.execute("ANALYZE memorials_invitation")  # only a table's owner may
    assert _in_statistics(marker)
    # when it is erased
    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    # then the statistics were computed again without them, and the certificate says so,
    # with what it cannot reach
    assert not _in_statistics(marker)
    assert certificate.body["database"] == {
        "statistics_recomputed": True,
        "checkpoint": True,
        "wal_switched": True,
    }
    assert "Backups" in certificate.body["backups"]


def _in_statistics(needle: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stats WHERE strpos(most_common_vals::text, %s) > 0"
            " OR strpos(histogram_bounds::text, %s) > 0",
            [needle, needle],
        )
        return cursor.fetchone()[0] > 0
