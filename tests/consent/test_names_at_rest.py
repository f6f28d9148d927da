"""Names are encrypted at rest with the memorial's own key: a marker planted, through the real
services, in every kind of name a memorial holds (its own name, a forbidden topic, a file
name, a zip member's path, speakers, authors, audience, the subject's identities, their
correspondents, a register's reason, an upload's outcomes) is found in no column of the
database, while the subject's pages and export still show it."""

from __future__ import annotations

import json
import uuid
import zipfile
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.consent import ConsentScope
from core.crypto import KeyDestroyed, memorial_cipher
from corpus.models import Passage, Upload, UploadStatus
from corpus.services.documents import correspondent_add, identity_add
from corpus.services.ingest import upload_ingest
from corpus.services.uploads import upload_create
from memorials.erasure.services import memorial_erase
from memorials.export import memorial_export_build
from memorials.models import Memorial, MemorialState, SunsetRule, VisitorRule
from memorials.wishes import wishes_update
from tests.consent.factories import grant_consent
from tests.consent.test_erasure_everything import database_hits
from tests.corpus.conftest import whatsapp_export, zip_of
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _planted(marker: str) -> Memorial:
    """A memorial whose every name carries `marker`, made through the services."""
    memorial = MemorialFactory(name=f"Ada {marker} Lovelace")
    grant_consent(memorial, ConsentScope.CORPUS)
    wishes_update(
        memorial=memorial,
        actor=memorial.subject,
        visitors=VisitorRule.ALL_FAMILY,
        named_visitors=[],
        forbidden_topics=[f"the {marker} affair"],
        talk_while_living=False,
        sunset=SunsetRule.NONE,
        sunset_years=None,
        sunset_on=None,
        ending="archive",
    )
    identity_add(memorial_id=memorial.id, kind="name", value=f"Ada {marker}")
    correspondent_add(memorial_id=memorial.id, value=f"George {marker}", register="family")
    chat = whatsapp_export(
        [
            (datetime(2021, 5, 1, 9, 0), f"Ada {marker}", "Did you water the tomatoes?"),
            (datetime(2021, 5, 1, 9, 2), f"George {marker}", "Yes, and the roses too."),
        ]
    )
    archive = zip_of({f"{marker}-chats/chat.txt": chat, f"{marker}-empty.txt": b""})
    upload, _ = upload_create(
        memorial_id=memorial.id,
        file=SimpleUploadedFile(f"{marker}-letters.zip", archive, "application/zip"),
    )
    assert upload_ingest(upload_id=upload.id).status == UploadStatus.DONE
    return memorial


def test_no_name_is_stored_in_clear_and_the_subject_still_reads_them(client):
    # given a memorial whose every name carries a marker
    marker = f"Zqx{uuid.uuid4().hex[:10]}Marker"
    memorial = _planted(marker)
    assert Passage.objects.filter(memorial=memorial).count() == 2

    # then the marker is in no text, json or bytea column of any table
    allowed = {}
    assert database_hits(needle=marker, allowed_rows=allowed) == []

    # and the subject's pages show every name, decrypted
    client.force_login(memorial.subject)
    names = ["corpus:index", "corpus:documents", "corpus:passages", "memorials:wishes"]
    pages = {
        name: client.get(reverse(name, args=[memorial.id])).content.decode()
        for name in [*names, "memorials:detail"]
    }
    pages["list"] = client.get(reverse("memorials:list")).content.decode()
    index = pages["corpus:index"]
    assert f"{marker}-letters.zip" in index  # the file's name
    assert f"{marker}-empty.txt: This file is empty." in index  # its outcomes
    assert f"Ada {marker}" in index and f"George {marker}" in index  # identity, correspondent
    documents = pages["corpus:documents"]
    assert f"with George {marker}" in documents  # the audience
    assert f"you placed George {marker} in family" in documents  # the register's reason
    assert f"George {marker}" in pages["corpus:passages"]  # a speaker
    assert f"the {marker} affair" in pages["memorials:wishes"]
    assert f"Ada {marker} Lovelace" in pages["memorials:detail"]
    assert f"Ada {marker} Lovelace" in pages["list"]


def test_the_export_carries_every_name_in_clear():
    marker = f"Zqx{uuid.uuid4().hex[:10]}Marker"
    memorial = _planted(marker)
    with zipfile.ZipFile(memorial_export_build(memorial=memorial, user=memorial.subject)) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    upload = Upload.objects.get(memorial=memorial)
    assert f"corpus/files/{upload.id}/{marker}-letters.zip" in files
    [exported_upload] = json.loads(files["corpus/uploads.json"])
    assert exported_upload["name"] == f"{marker}-letters.zip"
    assert f"{marker}-letters.zip/{marker}-empty.txt" in [
        outcome["name"] for outcome in exported_upload["outcomes"]
    ]
    [document] = json.loads(files["corpus/documents.json"])
    assert (document["author"], document["audience"]) == (f"Ada {marker}", [f"George {marker}"])
    assert marker in document["source_path"]
    assert document["register_reason"] == f"you placed George {marker} in family"
    speakers = [passage["speaker"] for passage in json.loads(files["corpus/passages.json"])]
    assert speakers == [f"Ada {marker}", f"George {marker}"]
    people = json.loads(files["corpus/people.json"])
    assert people["you"] == [{"kind": "name", "value": f"Ada {marker}"}]
    assert people["correspondents"] == [{"value": f"George {marker}", "register": "family"}]
    wishes = json.loads(files["memorial/wishes.json"])
    assert wishes["topics_not_to_discuss"] == [f"the {marker} affair"]
    assert json.loads(files["profile.json"])["memorial"]["name"] == f"Ada {marker} Lovelace"


def test_once_erased_the_name_reads_as_erased_and_its_key_is_gone():
    memorial = MemorialFactory(name="Ada Lovelace")
    memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    tombstone = Memorial.objects.get(pk=memorial.id)
    assert tombstone.state == MemorialState.ERASED
    assert tombstone.name == memorial.name == "Erased memorial"
    with pytest.raises(KeyDestroyed):
        memorial_cipher(memorial_id=memorial.id)
