"""For tests of what a built twin does: a memorial whose subject wrote something, with a
version marked ready (its build steps are the build's own tests' concern)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from corpus.services.documents import identity_add
from memorials.models import Memorial
from tests.consent.factories import grant_consent
from tests.corpus.conftest import ingest, whatsapp_export
from tests.memorials.factories import MemorialFactory
from twins.models import BuildStatus, Twin, TwinVersion
from twins.services.build import BUILD_STEPS

CHAT = [
    (datetime(2020, 5, 1, 9, 0), "Ann Smith", "I grew up in Whitby, by the sea. We had a dog."),
    (datetime(2020, 5, 1, 9, 2), "George", "I grew up in Leeds, far from any beach."),
    (datetime(2020, 5, 1, 9, 5), "Ann Smith", "Our dog was called Biscuit and he hated the rain."),
    (datetime(2021, 6, 12, 18, 0), "Ann Smith", "The sailing trip to Cornwall was wonderful."),
    (datetime(2021, 6, 12, 18, 3), "George", "Did you see any dolphins near Falmouth?"),
    (datetime(2021, 6, 12, 18, 4), "Ann Smith", "Three dolphins, jumping beside the boat!"),
]


def memorial_with_writing(name: str = "Ann Smith", **fields) -> Memorial:  # type: ignore[no-untyped-def]
    memorial = MemorialFactory(name=name, **fields)
    grant_consent(memorial, "corpus")
    identity_add(memorial_id=memorial.id, kind="name", value="Ann Smith")
    ingest(memorial, "WhatsApp Chat with George.txt", whatsapp_export(CHAT))
    return memorial


def version_ready(memorial: Memorial) -> TwinVersion:
    twin, _ = Twin.objects.get_or_create(memorial=memorial)
    number = twin.versions.count() + 1
    return TwinVersion.objects.create(
        twin=twin,
        number=number,
        status=BuildStatus.READY,
        steps_done=[step.name for step in BUILD_STEPS],
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
