"""The twin never initiates: no scheduled task writes to a visitor, in the person's name or
any other, nor adds a message to their conversation; and no mail Legacy can send asks anyone
to come back."""

from __future__ import annotations

import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from conversations.models import Message
from legacy.celery import app
from tests.conversations.guardrails.helpers import messages_at

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_no_beat_task_writes_to_a_visitor_or_in_their_conversation(memorial, family, mailoutbox):
    # given a visitor who talked with the twin three weeks ago and not since
    long_ago = timezone.now() - timedelta(weeks=3)
    messages_at(memorial, family, [long_ago, long_ago + timedelta(minutes=1)])
    before = Message.objects.count()
    # when every scheduled task runs
    names = sorted({entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()})
    assert "memorials.tasks.memorial_inactivity_check" in names  # the sweeps are all here
    for name in names:
        importlib.import_module(name.rpartition(".")[0])  # registers the task
        app.tasks[name].apply()
    # then nothing was written to the visitor, and the twin said nothing unprompted
    assert not [mail for mail in mailoutbox if family.email in mail.to]
    assert Message.objects.count() == before


def test_no_mail_legacy_sends_asks_anyone_to_come_back():
    mails = list(TEMPLATES.glob("**/email/*.txt"))
    assert mails
    for mail in mails:
        text = mail.read_text().lower()
        for phrase in (
            "come back",
            "we miss you",
            "i miss you",
            "haven't visited",
            "waiting for you",
        ):
            assert phrase not in text, f"{mail.relative_to(TEMPLATES)} says {phrase!r}"
