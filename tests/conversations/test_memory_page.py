"""The visitor's memories are theirs: only they see, correct, forget and download them; the
subject and stewards see counts only; one visitor's memories never reach another's
conversation, even when both told the same thing."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.urls import reverse

from conversations.memories import memories_for_reply
from conversations.models import VisitorMemory
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from memorials.export import memorial_export_build
from memorials.models import Role
from tests.conversations.memory_helpers import told
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def memories_url(memorial) -> str:
    return reverse("conversations:memories", args=[memorial.id])


@pytest.fixture
def cousin(memorial, family):
    return MembershipFactory(memorial=memorial, role=Role.FAMILY).user


@pytest.fixture
def steward(memorial, family):
    return MembershipFactory(memorial=memorial, role=Role.STEWARD).user


def test_two_visitors_sharing_a_fact_each_get_only_their_own(memorial, family, cousin):
    # given both tell the same news, and one tells something more
    told(memorial, family, "We sold the house last week.")
    told(memorial, cousin, "We sold the house last week.")
    told(memorial, cousin, "My wife is pregnant with twins.")
    # then each has their own memory of it (not merged across visitors)
    assert VisitorMemory.objects.filter(memorial=memorial).count() == 3
    # and a reply to one never reads the other's
    for_family = memories_for_reply(
        memorial_id=memorial.id, visitor_id=family.pk, query="Is your wife pregnant? The house?"
    )
    assert [m.text for m in for_family] == ["We sold the house last week."]
    own = set(VisitorMemory.objects.filter(visitor=family).values_list("id", flat=True))
    assert {m.id for m in for_family} == own
    for_cousin = memories_for_reply(
        memorial_id=memorial.id, visitor_id=cousin.pk, query="How is your wife?"
    )
    assert for_cousin[0].text == "My wife is pregnant with twins."
    assert {m.id for m in for_cousin}.isdisjoint(own)


def test_the_visitor_sees_corrects_and_forgets_their_memories(client, memorial, family):
    told(memorial, family, "My son was sick last week.")
    told(memorial, family, "I start the new job on Monday.")
    sick, job = VisitorMemory.objects.order_by("id")
    client.force_login(family)
    # the conversation page links to it
    conversation = client.get(reverse("conversations:page", args=[memorial.id])).content.decode()
    assert memories_url(memorial) in conversation
    html = client.get(memories_url(memorial)).content.decode()
    assert "My son was sick last week." in html and "I start the new job on Monday." in html
    # strict CSP: scripts only from files, no inline script or style
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "style=" not in html
    # when they correct one, in their own words and date
    response = client.post(
        reverse("conversations:memory_correct", args=[memorial.id, sick.id]),
        {"text": "My son had the flu last week", "about_date": "2026-11-23"},
    )
    assert response.status_code == 302
    sick.refresh_from_db()
    cipher = memorial_cipher(memorial_id=memorial.id)
    assert cipher.decrypt_text(bytes(sick.text_encrypted)) == "My son had the flu last week."
    assert sick.corrected and str(sick.about_date) == "2026-11-23"
    found = memories_for_reply(memorial_id=memorial.id, visitor_id=family.pk, query="flu")
    assert found[0].text == "My son had the flu last week."
    # an empty correction is refused, with the reason, and changes nothing
    refused = client.post(
        reverse("conversations:memory_correct", args=[memorial.id, sick.id]),
        {"text": "  ", "about_date": ""},
        follow=True,
    )
    assert "Please write what you would like remembered" in refused.content.decode()
    # when they forget the other
    client.post(reverse("conversations:memory_delete", args=[memorial.id, job.id]))
    assert list(VisitorMemory.objects.values_list("id", flat=True)) == [sick.id]
    html = client.get(memories_url(memorial)).content.decode()
    assert "new job" not in html and "My son had the flu last week." in html


def test_the_subject_and_stewards_never_read_a_visitor_s_memories(
    client, memorial, family, steward
):
    told(memorial, family, "My son was sick last week.")
    memory = VisitorMemory.objects.get()
    for reader in (memorial.subject, steward):
        client.force_login(reader)
        page = client.get(memories_url(memorial))
        assert page.status_code == 200
        assert "son was sick" not in page.content.decode()  # they see only their own
        correct = reverse("conversations:memory_correct", args=[memorial.id, memory.id])
        forget = reverse("conversations:memory_delete", args=[memorial.id, memory.id])
        assert client.post(correct, {"text": "Nothing happened."}).status_code == 404
        assert client.post(forget).status_code == 404
        download = client.post(reverse("conversations:export", args=[memorial.id]))
        assert b"son was sick" not in download.content
    assert VisitorMemory.objects.filter(pk=memory.pk, corrected=False).exists()


def test_strangers_get_nothing(client, memorial, family):
    told(memorial, family, "My son was sick last week.")
    client.force_login(MembershipFactory(role=Role.FAMILY).user)  # of another memorial
    assert client.get(memories_url(memorial)).status_code == 404
    assert client.post(reverse("conversations:export", args=[memorial.id])).status_code == 404


def test_the_visitor_downloads_their_conversation_and_memories(client, memorial, family):
    told(memorial, family, "We sold the house.")
    client.force_login(family)
    response = client.post(reverse("conversations:export", args=[memorial.id]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["messages"][0] == {
        "seq": 1, "from": "you", "text": "We sold the house.", "status": "complete",
    }  # fmt: skip
    assert document["messages"][1]["from"] == "twin"
    assert [m["text"] for m in document["memories"]] == ["We sold the house."]


def test_the_subject_s_export_holds_their_own_preview_and_only_counts_of_the_family(
    memorial, family
):
    told(memorial, family, "My son was sick last week.")
    told(
        memorial, memorial.subject, "My daughter starts school in June.", scope=ConsentScope.CORPUS
    )
    archive = zipfile.ZipFile(io.BytesIO(memorial_export_build(
        memorial=memorial, user=memorial.subject).read()))  # fmt: skip
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"son was sick" not in everything
    memories = json.loads(archive.read("conversations/what-the-twin-remembers-of-you.json"))
    assert [m["text"] for m in memories["memories"]] == ["My daughter starts school in June."]
    assert memories["family_memories"]["count"] == 1
    preview = json.loads(archive.read("conversations/your-preview.json"))
    assert preview["messages"][0]["text"] == "My daughter starts school in June."
    assert preview["family_conversations"]["messages"] == 2


def test_a_correction_that_keeps_the_date_keeps_how_precisely_it_was_placed(
    client, memorial, family
):
    told(memorial, family, "We sold the house in March.")
    memory = VisitorMemory.objects.get()
    assert memory.about_precision == "month"
    client.force_login(family)
    url = reverse("conversations:memory_correct", args=[memorial.id, memory.id])
    client.post(url, {"text": "We sold our old house in March.", "about_date": memory.about_date})
    memory.refresh_from_db()
    assert memory.about_precision == "month"
    assert "March " in client.get(memories_url(memorial)).content.decode()
    client.post(url, {"text": "We sold our old house.", "about_date": "2026-03-14"})
    memory.refresh_from_db()
    assert (str(memory.about_date), memory.about_precision) == ("2026-03-14", "day")


def test_a_reply_reads_a_corrected_memory_not_the_one_this_process_kept(client, memorial, family):
    # given a memory the worker has read for a reply (kept decrypted between messages)
    told(memorial, family, "We sold the house in March.")
    memory = VisitorMemory.objects.get()
    [kept] = memories_for_reply(memorial_id=memorial.id, visitor_id=family.pk, query="house")
    assert kept.about_precision == "month"
    # when the visitor corrects only its date (the same words: the same keyed hash)
    client.force_login(family)
    url = reverse("conversations:memory_correct", args=[memorial.id, memory.id])
    client.post(url, {"text": "We sold the house in March.", "about_date": "2026-03-14"})
    corrected = VisitorMemory.objects.get()
    assert corrected.memory_key == memory.memory_key and corrected.updated_at > memory.updated_at
    # then the next reply reads the corrected one
    [read] = memories_for_reply(memorial_id=memorial.id, visitor_id=family.pk, query="house")
    assert (str(read.about_date), read.about_precision) == ("2026-03-14", "day")
