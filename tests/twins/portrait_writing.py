"""A small, made-up person's writing for the portrait and fidelity tests: Ann writes short,
lower-case, emoji-strewn chat to her son George (family) and careful, hedged emails to a
colleague (professional). Ingested through the real upload service and ingest."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from corpus.models import IdentityKind
from corpus.services.documents import correspondent_add, identity_add
from corpus.services.ingest import upload_ingest
from corpus.services.uploads import upload_create
from twins.models import BuildStatus, Twin, TwinVersion
from twins.portrait.build import portrait_build
from twins.steps import StepProgress

ANN = ("Ann Smith", "ann@home.example")
COLLEAGUE = "raj.patel@firm.example"

FAMILY_LINES = [
    ("George", "Mum, are you coming on Sunday?"),
    ("Ann Smith", "yes!! wouldn't miss it 😊 bringing the lemon cake"),
    ("George", "Great, the kids will be thrilled."),
    ("Ann Smith", "can't wait to see them!! love you x"),
    ("George", "How was the doctor?"),
    ("Ann Smith", "all fine love, nothing to worry about 😊 love you x"),
    ("George", "Did you see the match last night?"),
    ("Ann Smith", "no!! fell asleep on the sofa haha. who won?"),
    ("George", "We did, 2-1. Dad would have loved it."),
    ("Ann Smith", "oh he would!! miss him so much ❤️ love you x"),
    ("George", "Can you pick up Lily from school on Friday?"),
    ("Ann Smith", "course i can!! tell her granny is bringing biscuits 😊"),
    ("George", "What should we get Emma for her birthday?"),
    ("Ann Smith", "books!! she loves the dragon ones. love you x"),
    ("George", "The garden looks lovely in the photo."),
    ("Ann Smith", "thank you love!! the roses are out at last 🌹"),
    ("George", "Are you warm enough in this cold?"),
    ("Ann Smith", "toasty!! got the new blanket on 😊 love you x"),
    ("George", "Shall I ring you tonight?"),
    ("Ann Smith", "yes please!! after eight is best x"),
    ("George", "Lily lost her first tooth today."),
    ("Ann Smith", "oh bless her!! tell her the tooth fairy pays double at granny's 😊"),
    ("George", "Are you coming to the school play?"),
    ("Ann Smith", "wouldn't miss it!! front row please haha love you x"),
    ("George", "How is the new neighbour?"),
    ("Ann Smith", "lovely!! she brought me scones 😊 love you x"),
    ("George", "Is the boiler fixed?"),
    ("Ann Smith", "yes at last!! the man was ever so nice x"),
    ("George", "Do you need anything from the shops?"),
    ("Ann Smith", "just milk love!! and maybe some of those biscuits 😊"),
]

WORK_TOPICS = [
    ("quarterly figures", "the revenue forecast for the northern region"),
    ("supplier contract", "the delivery penalties in clause seven"),
    ("budget review", "the allocation for training and recruitment"),
    ("audit preparation", "the documentation for the regional accounts"),
    ("pricing proposal", "the discount structure for returning customers"),
    ("staff rota", "the cover arrangements during the holiday period"),
    ("client presentation", "the timeline for the implementation phase"),
    ("software upgrade", "the migration of the customer database"),
    ("office relocation", "the arrangements for the archive and storage"),
    ("annual report", "the section on environmental commitments"),
    ("board meeting", "the agenda for the strategic planning discussion"),
    ("recruitment plan", "the requirements for the analyst position"),
]


def work_email(topic: str, detail: str) -> str:
    return (
        f"Dear Raj,\n\n"
        f"Thank you for sending the {topic} documents. I think we should perhaps review "
        f"{detail} before Thursday; it seems to me that the current assumptions are "
        f"probably somewhat optimistic. Could you possibly circulate the revised version "
        f"to the committee?\n\n"
        f"I would be grateful for your comments on the attached summary.\n\n"
        f"Kind regards,\nAnn"
    )


def whatsapp_chat(start: datetime) -> bytes:
    lines = []
    for index, (author, text) in enumerate(FAMILY_LINES):
        moment = start + timedelta(days=index // 2 * 9, minutes=index % 2 * 3)
        lines.append(f"{moment:%d/%m/%Y, %H:%M} - {author}: {text}")
    return "\n".join(lines).encode()


def mbox(start: datetime) -> bytes:
    parts = []
    for index, (topic, detail) in enumerate(WORK_TOPICS):
        when = timezone.make_aware(start + timedelta(days=index * 14, hours=9))
        parts.append(
            f"From {ANN[1]} {when:%a %b %d %H:%M:%S %Y}\n"
            f"From: {ANN[0]} <{ANN[1]}>\nTo: Raj Patel <{COLLEAGUE}>\n"
            f"Subject: The {topic}\nDate: {format_datetime(when)}\n"
            f"Message-ID: <work-{index}@home.example>\n\n{work_email(topic, detail)}\n"
        )
    return "\n".join(parts).encode()


def ann_writing_ingest(memorial) -> None:  # type: ignore[no-untyped-def]
    """Ann's identities and correspondents, then her chat with George and her work emails,
    ingested (the memorial needs the corpus consent)."""
    identity_add(memorial_id=memorial.id, kind=IdentityKind.NAME, value=ANN[0])
    identity_add(memorial_id=memorial.id, kind=IdentityKind.EMAIL, value=ANN[1])
    correspondent_add(memorial_id=memorial.id, value="George", register="family")
    correspondent_add(memorial_id=memorial.id, value=COLLEAGUE, register="professional")
    for name, content in (
        ("WhatsApp Chat with George.txt", whatsapp_chat(datetime(2022, 1, 3, 18, 0))),
        ("work.mbox", mbox(datetime(2022, 1, 5))),
    ):
        upload, _ = upload_create(memorial_id=memorial.id, file=SimpleUploadedFile(name, content))
        done = upload_ingest(upload_id=upload.id)
        assert done is not None and done.status == "done", done and done.error


def twin_version_built(memorial) -> TwinVersion:  # type: ignore[no-untyped-def]
    """A ready version of the memorial's twin whose portrait step ran for real."""
    twin, _ = Twin.objects.get_or_create(memorial=memorial)
    number = (twin.versions.count() or 0) + 1
    version = TwinVersion.objects.create(twin=twin, number=number, status=BuildStatus.BUILDING)
    progress = StepProgress(version=version, step="portrait", on_progress=lambda v: None)
    portrait_build(version=version, progress=progress)
    version.status = BuildStatus.READY
    version.finished_at = timezone.now()
    version.save(update_fields=["status", "finished_at"])
    return version
