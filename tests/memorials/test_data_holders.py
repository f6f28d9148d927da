"""Wishes and activation data are registered for erasure and export, and really go."""

from __future__ import annotations

import json

import pytest

from core.files import memorial_file_exists, memorial_files_count
from core.holders import holders
from memorials.models import ActivationKey, ActivationRequest, MemorialWishes, SunsetRule
from memorials.wishes import wishes_update
from tests.memorials.conftest import PDF

pytestmark = pytest.mark.django_db


class ZipLikeWriter:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write_json(self, path, data):
        self.files[path] = json.dumps(data, default=str).encode()

    def write_bytes(self, path, chunks):
        self.files[path] = b"".join(chunks)


def holder(name):
    return next(h for h in holders() if h.name == name)


@pytest.fixture
def wished(memorial):
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=["the war"], talk_while_living=False, sunset=SunsetRule.NONE,
        sunset_years=None, sunset_on=None, ending="erase",
    )  # fmt: skip
    return memorial


def test_export_holds_the_wishes_and_the_certificate(wished, pending):
    writer = ZipLikeWriter()
    holder("memorials.wishes").export(wished.id, writer)
    holder("memorials.activation").export(wished.id, writer)
    assert json.loads(writer.files["memorial/wishes.json"])["topics_not_to_discuss"] == ["the war"]
    assert writer.files[f"memorial/activation/{pending.id}.pdf"] == PDF
    activation = json.loads(writer.files["memorial/activation.json"])
    assert activation["requests"][0]["status"] == "pending"
    assert "key_hash" not in writer.files["memorial/activation.json"].decode()


def test_erase_deletes_rows_and_certificate_files(wished, pending, media_root):
    folder = media_root / "memorials" / str(wished.id) / "activation"
    assert memorial_file_exists(name=pending.certificate_path)
    wishes, activation = holder("memorials.wishes"), holder("memorials.activation")
    assert wishes.count(wished.id) == 1 and activation.count(wished.id) == 2  # request + key
    assert wishes.erase(wished.id) == 1
    assert activation.erase(wished.id) == 2
    assert not memorial_file_exists(name=pending.certificate_path)
    assert memorial_files_count(memorial_id=wished.id, kind="activation") == 0
    assert not folder.exists()  # nor the folder that held it
    assert not MemorialWishes.objects.filter(memorial=wished).exists()
    assert not ActivationRequest.objects.filter(memorial=wished).exists()
    assert not ActivationKey.objects.filter(memorial=wished).exists()
    assert wishes.count(wished.id) == activation.count(wished.id) == 0
