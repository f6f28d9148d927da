"""Screenshots for the onboarding helper (not a test; deleted after use)."""

from datetime import timedelta

from django.conf import settings as dj_settings
from django.test import Client
from django.utils import timezone

from conversations.services.visits import conversation_closed_record, conversation_opened_record
from core.audit import audit_record
from corpus.models import SubjectIdentity, Upload
from memorials.models import MemorialWishes, Role
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory
from tests.accounts.factories import UserFactory
from twins.models import BuildStatus, Twin, TwinVersion
from conversations.models import Conversation

OUT = "/work/shots/onboarding"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def login(page, base, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": dj_settings.SESSION_COOKIE_NAME, "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value, "url": base}]
    )


def shoot(page, url, name):
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.goto(url)
        page.wait_for_timeout(1200)
        page.screenshot(path=f"{OUT}/{name}-{size}.png", full_page=True)


def test_shots(page, asgi_server):
    subject = UserFactory(email="ann@example.org")
    new = MemorialFactory(name="Ann Smith", subject=subject)
    login(page, asgi_server, subject)
    shoot(page, f"{asgi_server}/memorials/{new.id}/", "memorial-new")

    half = MemorialFactory(name="Ann Smith (half)", subject=subject)
    grant_consent(half, "corpus")
    SubjectIdentity.objects.create(memorial=half, kind="email", value_hash="h", value_encrypted=b"")
    Upload.objects.create(memorial=half, name_encrypted=b"", outcomes_encrypted=b"", size=1, sha256="1" * 64)
    InvitationFactory(memorial=half, role=Role.STEWARD, invited_by=subject)
    shoot(page, f"{asgi_server}/memorials/{half.id}/", "memorial-half")

    done = MemorialFactory(name="Ann Smith (done)", subject=subject)
    grant_consent(done, "corpus")
    SubjectIdentity.objects.create(memorial=done, kind="email", value_hash="h", value_encrypted=b"")
    Upload.objects.create(memorial=done, name_encrypted=b"", outcomes_encrypted=b"", size=1, sha256="1" * 64)
    MemorialWishes.objects.create(memorial=done)
    steward = MembershipFactory(memorial=done, role=Role.STEWARD).user
    MembershipFactory(memorial=done, role=Role.FAMILY)
    twin = Twin.objects.create(memorial=done)
    TwinVersion.objects.create(twin=twin, number=1, status=BuildStatus.READY)
    Conversation.objects.create(memorial=done, visitor=subject, last_seq=2)
    shoot(page, f"{asgi_server}/memorials/{done.id}/", "memorial-done")

    for action, actor, data in [
        ("corpus.upload_created", subject, {"upload": "x", "bytes": 48213}),
        ("corpus.identity_added", subject, {"kind": "email"}),
        ("invitation.created", subject, {"role": "steward"}),
        ("invitation.accepted", steward, {"role": "steward"}),
        ("wishes.changed", subject, {"fields": ["visitors", "forbidden_topics"]}),
        ("corpus.register_set", subject, {"register": "family"}),
        ("twins.build_start", subject, {"version": 1}),
        ("twins.build_ready", None, {"version": 1}),
        ("corpus.document_delete", subject, {"kind": "chat", "passages": 14}),
        ("corpus.deletion_undo", subject, {"kind": "chat", "passages": 14}),
    ]:
        audit_record(action=action, memorial_id=done.id, actor=actor, data=data)
    conversation_opened_record(memorial_id=done.id, visitor=subject, preview=True)
    conversation_closed_record(memorial_id=done.id, visitor=subject, preview=True, messages=4, seconds=410)
    shoot(page, f"{asgi_server}/memorials/{done.id}/audit/", "audit-log")
    shoot(page, f"{asgi_server}/memorials/{done.id}/audit/?kind=writing", "audit-log-filtered")
    page.set_viewport_size(SIZES["phone"])
    page.goto(f"{asgi_server}/memorials/{half.id}/")
    page.wait_for_timeout(800)
    page.locator("#first-steps").screenshot(path=f"{OUT}/memorial-half-checklist-phone.png")
