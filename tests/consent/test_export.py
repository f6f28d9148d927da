"""The subject's export: one zip of everything, in open formats, audited, subject only."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from core import holders as holders_module
from core.audit import audit_events_for
from core.consent import ConsentScope
from core.holders import DataHolder, holder_register
from memorials.export import ExportPathInvalid, ZipExportWriter, memorial_export_build
from memorials.models import Membership, Role
from tests.accounts.factories import PASSWORD, UserFactory
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    saved = dict(holders_module._HOLDERS)
    yield holder_register
    holders_module._HOLDERS.clear()
    holders_module._HOLDERS.update(saved)


def test_the_export_holds_every_holders_part_the_files_as_given_and_a_manifest(registry):
    # given a memorial with people, an invitation, consents and an uploaded file
    memorial = MemorialFactory(name="Ada Lovelace")
    MembershipFactory(memorial=memorial, role=Role.FAMILY)
    InvitationFactory(memorial=memorial, email="byron@example.org")
    grant_consent(memorial, ConsentScope.CORPUS)
    original = "Dear George, the garden is lovely. — Ada ✿\n".encode()

    def files_export(memorial_id, writer):
        writer.write_bytes("files/letter.txt", iter([original[:10], original[10:]]))

    registry(DataHolder(name="test.files", label="files", count=lambda _: 1,
                        erase=lambda _: 0, export=files_export))  # fmt: skip

    # when the subject exports
    archive = memorial_export_build(memorial=memorial, user=memorial.subject)

    # then the zip holds the profile, each holder's part, the original file and a manifest
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
        assert {"manifest.json", "profile.json", "audit/events.json", "consent/records.json",
                "memorial/people.json", "memorial/invitations.json",
                "files/letter.txt"} <= names  # fmt: skip
        assert zipped.read("files/letter.txt") == original
        profile = json.loads(zipped.read("profile.json"))
        assert profile["memorial"]["name"] == "Ada Lovelace"
        assert profile["account"]["email"] == memorial.subject.email
        people = json.loads(zipped.read("memorial/people.json"))
        assert sorted(person["role"] for person in people) == ["family", "subject"]
        assert json.loads(zipped.read("memorial/invitations.json"))[0]["email"] == (
            "byron@example.org"
        )
        records = json.loads(zipped.read("consent/records.json"))
        assert records[0]["scope"] == "corpus" and records[0]["document"]["text"]
        manifest = json.loads(zipped.read("manifest.json"))
        listed = {entry["path"]: entry for entry in manifest["files"]}
        assert set(listed) == names - {"manifest.json"}
        assert listed["files/letter.txt"]["bytes"] == len(original)
        assert listed["files/letter.txt"]["source"] == "test.files"
        kinds = {kind["name"]: kind for kind in manifest["kinds"]}
        assert kinds["test.files"]["exported"] == "yes"
        assert kinds["memorials.memberships"]["count"] == 2
    # and it is audited
    assert audit_events_for(memorial_id=memorial.id)[0].action == "export.downloaded"


def test_a_failing_holder_is_named_in_the_manifest_and_the_rest_is_exported(registry):
    memorial = MemorialFactory()

    def broken(memorial_id, writer):
        raise RuntimeError("disk on fire")

    registry(DataHolder(name="test.broken", label="broken", count=lambda _: 1,
                        erase=lambda _: 0, export=broken))  # fmt: skip
    with zipfile.ZipFile(memorial_export_build(memorial=memorial, user=memorial.subject)) as z:
        kinds = {kind["name"]: kind for kind in json.loads(z.read("manifest.json"))["kinds"]}
        assert kinds["test.broken"]["exported"].startswith("failed (RuntimeError)")
        assert "memorial/people.json" in z.namelist()


def test_export_paths_stay_inside_the_zip_and_never_collide():
    with zipfile.ZipFile(io.BytesIO(), "w") as archive:
        writer = ZipExportWriter(archive)
        for bad in ("../etc/passwd", "manifest.json", ""):
            with pytest.raises(ExportPathInvalid):
                writer.write_json(bad, {})
        writer.write_json("a/notes.json", 1)
        writer.write_json("a/notes.json", 2)
        writer.write_json("/abs/x.json", 3)
        assert archive.namelist() == ["a/notes.json", "a/notes (2).json", "abs/x.json"]


def test_the_subject_downloads_the_zip_and_everyone_else_gets_404(client):
    memorial = MemorialFactory()
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    url = reverse("rights:export_download", args=[memorial.id])

    client.force_login(memorial.subject)
    # the page, and the download, first ask for the password again (allauth)
    page = reverse("rights:export", args=[memorial.id])
    asked = client.get(page)
    assert asked.status_code == 302 and "/accounts/reauthenticate/" in asked["Location"]
    asked = client.post(url)
    assert asked.status_code == 302 and "/accounts/reauthenticate/" in asked["Location"]
    # a wrong password downloads nothing
    wrong = client.post(asked["Location"], {"password": "not-it"})
    assert wrong.status_code == 200 and wrong.get("Content-Type", "").startswith("text/html")
    # the right one resumes the suspended download
    response = client.post(asked["Location"], {"password": PASSWORD})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="legacy-export-')
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zipped:
        assert "manifest.json" in zipped.namelist()
    # and for a few minutes after, the page opens without asking again
    assert b"Download my data" in client.get(page).content

    for other in (steward, UserFactory()):
        client.force_login(other)
        assert client.post(url).status_code == 404
        assert client.get(reverse("rights:export", args=[memorial.id])).status_code == 404
    assert Membership.objects.filter(memorial=memorial).count() == 2
