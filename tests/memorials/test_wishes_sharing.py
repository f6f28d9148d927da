"""The wish "Let the twin share with one family member what I wrote to another": off by
default, set by the subject on the wishes form, audited by name, shown to stewards."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.audit import audit_events_for
from memorials.wishes import wishes_get, wishes_share_between_family, wishes_update

pytestmark = pytest.mark.django_db

LABEL = "Let the twin share with one family member what I wrote to another"
FORM = {"visitors": "all_family", "sunset": "none", "ending": "archive"}


def page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    return client.get(url).content.decode()


def test_it_is_off_until_the_subject_allows_it(memorial):
    assert not wishes_share_between_family(memorial_id=memorial.id)
    assert not wishes_get(memorial_id=memorial.id).share_between_family


def test_the_subject_turns_it_on_and_off_on_the_form(client, memorial):
    client.force_login(memorial.subject)
    url = reverse("memorials:wishes", args=[memorial.id])
    assert LABEL in page(client, url)
    assert not re.search(r'<input[^>]*name="share_between_family"[^>]*checked', page(client, url))

    assert client.post(url, {**FORM, "share_between_family": "on"}).status_code == 302
    assert wishes_share_between_family(memorial_id=memorial.id)
    assert re.search(r'<input[^>]*name="share_between_family"[^>]*checked', page(client, url))

    assert client.post(url, FORM).status_code == 302
    assert not wishes_share_between_family(memorial_id=memorial.id)
    changes = [
        e.data["fields"]
        for e in audit_events_for(memorial_id=memorial.id)
        if e.action == "wishes.changed"
    ]
    assert changes == [["share_between_family"], ["share_between_family"]]


def test_a_change_that_does_not_mention_it_leaves_it_as_it_was(memorial):
    fields = {
        "visitors": "all_family", "named_visitors": [], "forbidden_topics": [],
        "talk_while_living": False, "sunset": "none", "sunset_years": None, "sunset_on": None,
        "ending": "archive",
    }  # fmt: skip
    wishes_update(memorial=memorial, actor=memorial.subject, share_between_family=True, **fields)

    wishes_update(memorial=memorial, actor=memorial.subject, **{**fields, "ending": "erase"})

    assert wishes_share_between_family(memorial_id=memorial.id)


def test_stewards_read_it_in_plain_words(client, memorial, steward):
    client.force_login(steward)
    url = reverse("memorials:wishes", args=[memorial.id])
    assert "wrote privately to one person is never drawn on" in client.get(url).content.decode()

    client.force_login(memorial.subject)
    client.post(url, {**FORM, "share_between_family": "on"})
    client.force_login(steward)

    assert "may share with one family member" in client.get(url).content.decode()
