"""Making and removing the fictional demo memorial, through the same services a person's
own memorial goes through: the consent signed (as a demo, said so on the record), the writing
uploaded and ingested by the corpus pipeline, the twin built, and the kill switch to remove it.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import User
from billing.services import subscription_complimentary
from consent.models import ConsentRecord
from consent.selectors import consent_document_latest
from consent.services import consent_sign
from core.consent import ConsentScope
from corpus.models import Upload, UploadStatus
from corpus.services.documents import correspondent_add, identity_add
from corpus.services.ingest import upload_ingest
from corpus.services.uploads import upload_create
from demo.models import DemoMemorial
from demo.person import MEMORIAL_NAME, NAME
from demo.selectors import memorial_is_demo
from demo.writing import CORRESPONDENTS, IDENTITIES, demo_writing
from memorials.erasure.services import memorial_erase
from memorials.models import ErasureCertificate, Memorial, MemorialState, Role
from memorials.selectors import memorial_get_for
from memorials.services import memorial_create
from twins.models import TwinVersion
from twins.services.build import twin_build_failed, twin_build_run
from twins.services.versions import twin_build_start

logger = logging.getLogger(__name__)

DEMO_EMAIL_DOMAIN = "legacy.invalid"  # reserved: no mail can ever reach it
DEMO_USER_AGENT = "Legacy demo_create: a fictional person, signed by the project"
REMOVED_REASON = "the fictional demo was removed"
BUILD_FAILED = "The demo's twin could not be built here; its writing is in, try building it again."


class NotADemo(Exception):
    """Only the fictional demo can be removed this way; a real memorial has its kill switch."""


@dataclass
class DemoCreated:
    memorial: Memorial
    email: str
    password: str
    uploads: list[Upload] = field(default_factory=list)
    version: TwinVersion | None = None

    @property
    def uploads_failed(self) -> list[Upload]:
        return [upload for upload in self.uploads if upload.status != UploadStatus.DONE]


def _demo_email() -> str:
    n = 1
    while True:
        email = f"demo@{DEMO_EMAIL_DOMAIN}" if n == 1 else f"demo{n}@{DEMO_EMAIL_DOMAIN}"
        if not User.objects.filter(email=email).exists():
            return email
        n += 1


def demo_create(*, say: Callable[[str], None] = logger.info) -> DemoCreated:
    """A demo account (a generated password), subject of the memorial "Greta Halloway
    (fictional demo)": its corpus consent signed as a demo, its writing uploaded and ingested
    here, in this process, and its twin built, so it is ready when the page loads. `say` is
    told each stage, for a command to print."""
    email, password = _demo_email(), secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_user(email, password, full_name=NAME)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        memorial = memorial_create(subject=user, name=MEMORIAL_NAME)
        DemoMemorial.objects.create(memorial=memorial)
        # The demo shows the interactive plan, given: no payment, no allowance running out.
        subscription_complimentary(memorial=memorial, plan_code="interactive")
    created = DemoCreated(memorial=memorial, email=email, password=password)
    consent_sign(
        user=user,
        memorial_id=memorial.id,
        scope=ConsentScope.CORPUS,
        document_sha256=consent_document_latest(scope=ConsentScope.CORPUS).sha256,
        typed_name=NAME,
        method=ConsentRecord.Method.DEMO,
        user_agent=DEMO_USER_AGENT,
    )
    for kind, value in IDENTITIES:
        identity_add(memorial_id=memorial.id, kind=kind, value=value)
    for value, register in CORRESPONDENTS:
        correspondent_add(memorial_id=memorial.id, value=value, register=register)
    writing = demo_writing()
    for name, content in writing.files.items():
        say(f"Reading {name}…")
        upload, _ = upload_create(memorial_id=memorial.id, file=SimpleUploadedFile(name, content))
        created.uploads.append(upload_ingest(upload_id=upload.id) or upload)
    say("Building the twin…")
    created.version = _twin_build(memorial=memorial, user=user)
    return created


def _twin_build(*, memorial: Memorial, user: User) -> TwinVersion:
    """Queue the build as any other (a worker finding it done later skips it), and run it
    here so the twin is ready at once. A failure leaves the build failed, with "Try again"."""
    version = twin_build_start(memorial_id=memorial.id, actor=user)
    try:
        twin_build_run(version_id=version.id)
    except Exception:
        logger.exception("The demo's twin build failed")
        twin_build_failed(version_id=version.id, reason=BUILD_FAILED)
    version.refresh_from_db()
    return version


def demo_remove(*, user: User, memorial_id: uuid.UUID | str) -> ErasureCertificate:
    """Erase the demo through the kill switch, then close its generated account (whose
    password was printed on a console) unless it belongs to another memorial too. Only the
    demo's subject may; a real memorial raises NotADemo."""
    membership = memorial_get_for(user=user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    if not memorial_is_demo(memorial_id=membership.memorial_id):
        raise NotADemo("This memorial is not the fictional demo.")
    certificate = memorial_erase(memorial=membership.memorial, actor=user, reason=REMOVED_REASON)
    others = user.memberships.exclude(memorial__state=MemorialState.ERASED).exists()
    if not others:
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
    return certificate
