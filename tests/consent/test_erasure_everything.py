"""The kill switch leaves nothing: a memorial filled with every kind of data there is, with a
marker planted in its content, is erased; then every table of the database, every file under
MEDIA_ROOT and the providers' records are searched for the marker and the memorial's id.

Each kind of data is planted by one `@planter` below. A new kind of data (conversations,
visitor memories...) gets a planter of its own when it lands, beside its data holder.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models

from billing.models import AllowanceNotice
from conversations.guardrails.alerts import steward_reach
from conversations.models import Concern, Message, QuestionForSubject
from conversations.services.memories import memories_remember
from conversations.services.messages import message_send
from conversations.services.questions import question_answer
from conversations.services.reply_writing import reply_generate
from core.audit import audit_record, audit_verify
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.models import MemorialKey
from corpus.models import Passage, Register
from corpus.services.documents import correspondent_add, identity_add
from corpus.services.ingest import upload_ingest
from corpus.services.uploads import upload_create
from demo.models import DemoMemorial
from memorials.activation.keys import activation_key_issue
from memorials.activation.requests import activation_start
from memorials.erasure.services import memorial_erase
from memorials.models import (
    EndingRule,
    ErasureCertificate,
    Memorial,
    MemorialState,
    Role,
    SunsetRule,
    VisitorRule,
)
from memorials.wishes import wishes_update
from tests.accounts.factories import UserFactory
from tests.billing.factories import subscribe
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory
from twins.models import BuildStatus, CorrectionKind, FactReview, PersonaFact, StylePortrait
from twins.persona.services import fact_review
from twins.portrait.services import style_correction_add
from twins.services.build import twin_build_run
from twins.services.fidelity import fidelity_report_run
from twins.services.fidelity_requests import fidelity_report_start
from twins.services.versions import twin_build_start
from voice.services import voice_clone_register

pytestmark = pytest.mark.django_db

Planter = Callable[[Memorial, str], str]
PLANTERS: list[Planter] = []

# Tables whose rows may outlive an erasure, or grow during one, because they are not the
# memorial's: people's accounts, published consent texts, the append-only audit trail and
# the providers' call log (both name a memorial only by its keyed reference), and the
# certificate itself. Every row of them is still searched for the marker and the id.
MAY_GROW = {
    "accounts_user",
    "account_emailaddress",
    "consent_consentdocument",
    "core_auditevent",
    "core_auditcheckpoint",  # the erasure certificate's signed checkpoint
    "core_memorialkey",  # the destroyed key's tombstone, and the erasure notices' own key
    "core_outboundmail",  # the erasure notices to stewards and family, encrypted, until sent
    "memorials_erasurecertificate",
    "voice_voiceprovidercall",
}


def planter(function: Planter) -> Planter:
    PLANTERS.append(function)
    return function


# --- what a memorial can hold ------------------------------------------------------------


@planter
def plant_people_and_invitations(memorial: Memorial, marker: str) -> str:
    MembershipFactory(memorial=memorial, role=Role.FAMILY)
    MembershipFactory(memorial=memorial, role=Role.STEWARD)
    InvitationFactory(memorial=memorial, email=f"{marker.lower()}@example.org")
    return "memberships, invitations"


@planter
def plant_consents_key_and_audit(memorial: Memorial, marker: str) -> str:
    grant_consent(memorial, *ConsentScope.values)  # typed name: the memorial's, with the marker
    memorial_cipher(memorial_id=memorial.id)
    audit_record(action="test.planted", memorial_id=memorial.id, actor=memorial.subject)
    return "consents, memorial key, audit events"


@planter
def plant_corpus(memorial: Memorial, marker: str) -> str:
    identity_add(memorial_id=memorial.id, kind="name", value=f"Ada {marker}")
    correspondent_add(memorial_id=memorial.id, value=f"George {marker}", register="family")
    text = (
        f"Dear George,\n\nThe garden is full of {marker} this spring. I think of you often.\n\n"
        f"Love,\nAda {marker}\n"
    )
    upload, _ = upload_create(
        memorial_id=memorial.id,
        file=SimpleUploadedFile(f"{marker}-letters.txt", text.encode(), "text/plain"),
    )
    upload_ingest(upload_id=upload.id)
    assert Passage.objects.filter(memorial_id=memorial.id).exists(), "the ingest made nothing"
    return "uploads, documents, passages with vectors, identities, correspondents"


@planter
def plant_voice(memorial: Memorial, marker: str) -> str:
    voice_clone_register(
        memorial_id=memorial.id, provider="offline", remote_id=f"voice-{uuid.uuid4().hex}"
    )
    return "voice clones (offline provider)"


@planter
def plant_twin(memorial: Memorial, marker: str) -> str:
    """A built twin (portrait and persona from the planted writing, which holds the marker),
    the subject's corrections in their own words, and a fidelity report."""
    version = twin_build_run(
        version_id=twin_build_start(memorial_id=memorial.id, actor=memorial.subject).id
    )
    assert version.status == BuildStatus.READY, version.failure
    assert StylePortrait.objects.filter(version=version).exists(), "no portrait was built"
    style_correction_add(
        twin=version.twin, register=Register.FAMILY, kind=CorrectionKind.NOTE,
        text=f"I never mention {marker} to the children", actor=memorial.subject,
    )  # fmt: skip
    fact = PersonaFact.objects.filter(version=version).first()
    assert fact is not None, "the persona pack holds no fact"
    fact_review(
        fact=fact, decision=FactReview.Decision.CORRECTED, actor=memorial.subject,
        corrected_text=f"My brother George lives in {marker}",
    )  # fmt: skip
    report = fidelity_report_start(twin=version.twin, actor=memorial.subject)
    fidelity_report_run(report_id=report.id)
    return "twin versions, style portraits, persona facts and reviews, corrections, fidelity"


@planter
def plant_conversation(memorial: Memorial, marker: str) -> str:
    """The subject's own preview conversation: their message and the twin's reply."""
    sent = message_send(
        memorial_id=memorial.id, visitor=memorial.subject, client_id="c-1",
        text=f"Do you remember {marker}?", scope=ConsentScope.CORPUS,
    )  # fmt: skip
    reply = Message.objects.get(conversation__memorial=memorial, seq=sent.seq + 1)
    reply_generate(memorial_id=memorial.id, message_id=reply.id, scope=ConsentScope.CORPUS)
    return "conversation messages"


@planter
def plant_visitor_memories(memorial: Memorial, marker: str) -> str:
    """A family member's conversation, and what the twin remembers of them from it."""
    visitor = memorial.memberships.filter(role=Role.FAMILY).first().user
    scope = ConsentScope.CONVERSATION_LIVING
    sent = message_send(
        memorial_id=memorial.id, visitor=visitor, client_id="v-1",
        text=f"My son {marker} was sick last week.", scope=scope,
    )  # fmt: skip
    reply = Message.objects.get(conversation__visitor=visitor, seq=sent.seq + 1)
    reply_generate(memorial_id=memorial.id, message_id=reply.id, scope=scope)
    assert memories_remember(memorial_id=memorial.id, reply_id=reply.id, scope=scope) == 1
    return "a visitor's memories"


@planter
def plant_safety_alert(memorial: Memorial, marker: str) -> str:
    """A visitor in crisis who chose to share their words with the stewards: the alert holds
    them (encrypted), and a mail tells the stewards."""
    visitor = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    scope = ConsentScope.CONVERSATION_LIVING
    sent = message_send(
        memorial_id=memorial.id, visitor=visitor, client_id="s-1",
        text=f"I can't go on without {marker}.", scope=scope,
    )  # fmt: skip
    reply = Message.objects.get(conversation__visitor=visitor, seq=sent.seq + 1)
    Message.objects.filter(pk=reply.pk).update(concern=Concern.CRISIS)
    alert = steward_reach(memorial_id=memorial.id, visitor=visitor, reply_seq=reply.seq, share=True)
    assert alert.content_shared
    return "safety alerts to the stewards, with the words a visitor shared"


@planter
def plant_question(memorial: Memorial, marker: str) -> str:
    """A family member's question passed on to the subject, answered: the answer is a
    document of their writing (and a mail to the visitor, sent at once in tests)."""
    visitor = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    cipher = memorial_cipher(memorial_id=memorial.id)
    answered = QuestionForSubject.objects.create(
        memorial=memorial, visitor=visitor,
        question_encrypted=cipher.encrypt_text(f"Where is {marker}?"),
    )  # fmt: skip
    question_answer(
        memorial=memorial, subject=memorial.subject, question_id=answered.id,
        text=f"{marker} is in the garden, under the old plum tree.",
    )  # fmt: skip
    QuestionForSubject.objects.create(
        memorial=memorial, visitor=visitor,
        question_encrypted=cipher.encrypt_text(f"And {marker}'s brother?"),
    )  # fmt: skip
    return "questions passed on to the subject, and their answers"


@planter
def plant_demo_mark(memorial: Memorial, marker: str) -> str:
    DemoMemorial.objects.create(memorial=memorial)
    return "the mark of the fictional demo"


@planter
def plant_wishes(memorial: Memorial, marker: str) -> str:
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
        ending=EndingRule.ARCHIVE,
    )
    return "wishes"


@planter
def plant_activation(memorial: Memorial, marker: str) -> str:
    steward = memorial.memberships.get(role=Role.STEWARD).user
    key = activation_key_issue(memorial=memorial, steward=steward)
    certificate = SimpleUploadedFile(
        f"{marker}-death-certificate.pdf",
        b"%PDF-1.4\n% death certificate of Ada " + marker.encode() + b"\n%%EOF\n",
        "application/pdf",
    )
    activation_start(memorial=memorial, steward=steward, key=key, certificate=certificate)
    return "activation keys, activation requests, death certificates"


@planter
def plant_plan(memorial: Memorial, marker: str) -> str:
    subscription = subscribe(memorial, "preserve", payer=memorial.subject)
    AllowanceNotice.objects.create(
        memorial=memorial, kind="family_messages", period=subscription.period_start.date(), level=80
    )
    return "the plan's subscription, allowance notices"


# --- where anything could be left ---------------------------------------------------------

SEARCHED_TYPES = ["text", "character varying", "character", "json", "jsonb", "uuid", "bytea"]


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def database_hits(*, needle: str, allowed_rows: dict[str, tuple[str, str]]) -> list[str]:
    """Every table.column (of a text, json, uuid or bytea type) where `needle` occurs,
    case-insensitively, outside the allowed rows ({table: (column, value)})."""
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
            "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
            "WHERE c.table_schema = 'public' AND c.data_type = ANY(%s) "
            "ORDER BY c.table_name, c.ordinal_position",
            [SEARCHED_TYPES],
        )
        for table, column, data_type in cursor.fetchall():
            value = (
                f"encode({quote(column)}, 'escape')"
                if data_type == "bytea"
                else f"{quote(column)}::text"
            )
            sql = f"SELECT count(*) FROM {quote(table)} WHERE strpos(lower({value}), lower(%s)) > 0"
            params = [needle]
            if table in allowed_rows:
                key, allowed = allowed_rows[table]
                sql += f" AND {quote(key)}::text <> %s"
                params.append(allowed)
            cursor.execute(sql, params)
            if found := cursor.fetchone()[0]:
                hits.append(f"{table}.{column} ({found} rows)")
    return hits


def media_hits(root: Path, needles: list[str]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        relative = str(path.relative_to(root))
        if any(needle.lower() in relative.lower() for needle in needles):
            hits.append(f"name: {relative}")
        if path.is_file():
            data = path.read_bytes().lower()
            if any(needle.lower().encode() in data for needle in needles):
                hits.append(f"bytes: {relative}")
    return hits


def rows_left_pointing_at(memorial_id: uuid.UUID) -> list[str]:
    """Rows of any model with a foreign key to Memorial that still point at it."""
    left = []
    for model in apps.get_models():
        if model is ErasureCertificate:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is Memorial:
                count = model._default_manager.filter(**{field.name: memorial_id}).count()
                if count:
                    left.append(f"{model._meta.label}.{field.name}: {count}")
    return left


def test_erasure_leaves_nothing_but_the_tombstone_and_its_certificate(settings, tmp_path):
    # given a private media folder, and everyone's accounts already made
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    marker = f"Zqx{uuid.uuid4().hex[:10]}Marker"
    memorial = MemorialFactory(name=f"Ada {marker} Lovelace")
    UserFactory()  # so the snapshot already holds user rows of the shape planters add
    before = table_counts()

    # and a memorial filled with every kind of data that exists in this project
    planted = [kind for plant in PLANTERS if (kind := plant(memorial, marker))]
    assert planted, "nothing was planted"
    memorial_id = memorial.id
    # (the marker is planted encrypted, so the scan proves itself on the memorial's id)
    assert database_hits(needle=str(memorial_id), allowed_rows={}), "nothing was planted"
    assert rows_left_pointing_at(memorial_id), "nothing points at the memorial before erasure"

    # when the subject pulls the kill switch
    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")

    # then the memorial row is a content-free tombstone
    tombstone = Memorial.objects.get(pk=memorial_id)
    assert tombstone.state == MemorialState.ERASED and marker not in tombstone.name
    assert certificate.body["complete"] is True, certificate.body["data"]

    # and the marker is nowhere in the database, the id only in the tombstones (the memorial's
    # and its destroyed key's) and the certificate
    assert database_hits(needle=marker, allowed_rows={}) == []
    id_allowed = {
        Memorial._meta.db_table: ("id", str(memorial_id)),
        MemorialKey._meta.db_table: ("memorial_id", str(memorial_id)),
        ErasureCertificate._meta.db_table: ("memorial_id", str(memorial_id)),
    }
    for form in (str(memorial_id), memorial_id.hex):
        assert database_hits(needle=form, allowed_rows=id_allowed) == [], planted

    # and the rows are gone, not merely unreadable (encrypted text would hide the marker)
    assert rows_left_pointing_at(memorial_id) == []
    after = table_counts()
    grown = {
        table: (before.get(table, 0), count)
        for table, count in after.items()
        if count > before.get(table, 0) and table not in MAY_GROW
    }
    assert grown == {}, f"rows left behind (before, after): {grown}"

    # and no file or folder under MEDIA_ROOT names or holds the memorial or the marker
    assert media_hits(settings.MEDIA_ROOT, [marker, str(memorial_id), memorial_id.hex]) == []

    # and remote copies were deleted through their providers, and the calls say so
    if apps.is_installed("voice"):
        calls = apps.get_model("voice", "VoiceProviderCall")._default_manager.all()
        assert calls.exists() and all(call.ok for call in calls)

    # and the audit chain still holds
    assert audit_verify() is None
