"""A small corpus of the subject's own writing for the persona tests: WhatsApp chats of Ann
Smith over three years, ingested through the real services (parsed, split, embedded), and
twin versions to build the persona pack into."""

from __future__ import annotations

from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from corpus.services.documents import identity_add
from corpus.services.ingest import upload_ingest
from corpus.services.uploads import upload_create
from twins.models import BuildStatus, Twin, TwinVersion
from twins.steps import StepProgress

ANN = "Ann Smith"


def _at(day: str) -> datetime:
    return datetime.strptime(day, "%Y-%m-%d %H:%M")


CHATS: dict[str, list[tuple[datetime, str, str]]] = {
    "chat-2019.txt": [
        (_at("2019-05-04 09:00"), ANN,
         "Morning love! My brother Tom is coming to stay with us in Whitby next week."),
        (_at("2019-05-04 09:05"), "George", "Lovely, mum. Tell him to bring his fishing rods."),
        (_at("2019-05-04 09:09"), ANN,
         "I believe that a promise must be kept, whatever it costs. He promised, so he will come."),
        (_at("2019-05-04 09:12"), "George", "Do you still miss the sea?"),
        (_at("2019-05-04 09:15"), ANN,
         "Every day. I grew up in Whitby, by the sea, and I never stopped missing it."),
        (_at("2019-05-04 09:20"), "George", "Tell me the boat story again."),
        (_at("2019-05-04 09:24"), ANN,
         "The night the boat nearly sank off Falmouth harbour we bailed water until dawn, "
         "your uncle and I."),
    ],
    "chat-2020.txt": [
        (_at("2020-08-02 18:00"), ANN,
         "Tom, my brother, rang from Leeds last night, love. He sounded well."),
        (_at("2020-08-02 18:03"), "George", "Good. How is the garden doing, mum?"),
        (_at("2020-08-02 18:06"), ANN,
         "I worked at the Whitby lifeboat station for thirty years and I have never seen rain "
         "like this summer."),
        (_at("2020-08-02 18:09"), "George", "Ha. Did Tom mention the boat?"),
        (_at("2020-08-02 18:12"), ANN,
         "Of course. That summer the boat nearly sank off Falmouth harbour and he still laughs "
         "about it."),
        (_at("2020-08-02 18:15"), ANN, "I love gardening, even in the rain."),
    ],
    "chat-2021.txt": [
        (_at("2021-02-14 10:00"), ANN,
         "We went back to Whitby for the day, love. The harbour looked just the same."),
        (_at("2021-02-14 10:04"), "George", "Did you see the lifeboat station?"),
        (_at("2021-02-14 10:08"), ANN,
         "We did. Tom told everyone how the boat nearly sank off Falmouth harbour, as he "
         "always does."),
        (_at("2021-02-14 10:12"), ANN, "I hate cold tea, and the café served it cold twice."),
    ],
}  # fmt: skip


def whatsapp(lines: list[tuple[datetime, str, str]]) -> bytes:
    return "\n".join(f"{at:%d/%m/%Y, %H:%M} - {who}: {text}" for at, who, text in lines).encode()


def corpus_ingest(memorial, chats: dict[str, list[tuple[datetime, str, str]]] = CHATS) -> None:
    """The chats, uploaded and ingested, with "Ann Smith" known as the subject's name."""
    identity_add(memorial_id=memorial.id, kind="name", value=ANN)
    for name, lines in chats.items():
        stored, _ = upload_create(
            memorial_id=memorial.id, file=SimpleUploadedFile(name, whatsapp(lines))
        )
        assert upload_ingest(upload_id=stored.id) is not None


def version_new(memorial) -> TwinVersion:
    twin, _ = Twin.objects.get_or_create(memorial_id=memorial.id)
    number = twin.versions.count() + 1
    return TwinVersion.objects.create(twin=twin, number=number, status=BuildStatus.BUILDING)


def version_ready(version: TwinVersion) -> TwinVersion:
    version.status, version.finished_at = BuildStatus.READY, timezone.now()
    version.save(update_fields=["status", "finished_at"])
    return version


class ProgressSeen:
    """The progress a step reported, as the build's event would carry it."""

    def __init__(self) -> None:
        self.reports: list[tuple[int, int]] = []

    def __call__(self, version: TwinVersion) -> None:
        self.reports.append((version.step_done, version.step_total))


def persona_progress(version: TwinVersion, seen: ProgressSeen | None = None) -> StepProgress:
    return StepProgress(version=version, step="persona", on_progress=seen or ProgressSeen())
