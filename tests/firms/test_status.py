import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from consent.services import consent_revoke
from core.consent import ConsentScope
from firms.models import ClientStage, FirmClient, FirmRole
from firms.status import (
    CONSENTS_EXPECTED,
    StatusRefresh,
    client_status_refresh,
    client_status_refresh_on_commit,
    client_status_sweep,
    consents_missing,
)
from firms.tasks import firm_client_status_sweep
from memorials.models import ActivationRequest, ActivationStatus, MemorialState
from memorials.services import memorial_transition
from tests.consent.factories import grant_consent
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export
from tests.firms.factories import client_make, firm_make, staff_make
from twins.models import BuildStatus, Twin, TwinVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed_in_owner(client):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER, user=None)
    client.force_login(owner.user)
    return client, firm


def fresh(client: FirmClient) -> FirmClient:
    return FirmClient.objects.get(pk=client.pk)


def test_status_follows_the_clients_progress_through_the_receivers(
    django_capture_on_commit_callbacks,
):
    # given a client who has just joined
    client = client_make(firm=firm_make(), joined=True)
    memorial = client.memorial
    assert fresh(client).stage == ClientStage.JOINED
    # when they sign their writing consent, the firm sees which scope (a code only); with
    # the conversation consents still to sign they are not "consented" yet
    with django_capture_on_commit_callbacks(execute=True):
        grant_consent(memorial, ConsentScope.CORPUS, ConsentScope.VOICE)
    row = fresh(client)
    assert row.consents_signed == ["corpus", "voice"]
    assert row.stage == ClientStage.JOINED
    # when they have signed every expected consent, they are
    with django_capture_on_commit_callbacks(execute=True):
        grant_consent(
            memorial, ConsentScope.CONVERSATION_LIVING, ConsentScope.CONVERSATION_POSTHUMOUS
        )
    row = fresh(client)
    assert row.stage == ClientStage.CONSENTED
    # when they add writing, the firm sees counts
    with django_capture_on_commit_callbacks(execute=True):
        ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    row = fresh(client)
    assert row.documents_count == 1 and row.passages_count > 0
    assert row.stage == ClientStage.WRITING
    # when a twin build is ready
    with django_capture_on_commit_callbacks(execute=True):
        twin = Twin.objects.create(memorial=memorial)
        version = TwinVersion.objects.create(twin=twin, number=1)
        version.status = BuildStatus.READY
        version.save(update_fields=["status"])
    row = fresh(client)
    assert row.twin_ready and row.stage == ClientStage.TWIN_READY
    assert row.activation_state == MemorialState.PRESERVING
    assert row.plan_code == settings.BILLING_PLAN_WITHOUT_SUBSCRIPTION
    # when they withdraw a consent, it leaves the list
    with django_capture_on_commit_callbacks(execute=True):
        consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.VOICE)
    assert fresh(client).consents_signed == [
        "conversation_living",
        "conversation_posthumous",
        "corpus",
    ]


def test_a_pending_activation_and_an_active_memorial_show():
    client = client_make(firm=firm_make(), joined=True)
    memorial = client.memorial
    ActivationRequest.objects.create(
        memorial=memorial,
        started_by=memorial.subject,
        status=ActivationStatus.PENDING,
        certificate_path="x",
        certificate_type="application/pdf",
        certificate_bytes=1,
        approvable_at=timezone.now(),
    )
    assert client_status_refresh(client=fresh(client)).activation_state == "requested"
    memorial.state = MemorialState.ACTIVE
    memorial.save(update_fields=["state"])
    row = client_status_refresh(client=fresh(client))
    assert row.activation_state == MemorialState.ACTIVE and row.stage == ClientStage.ACTIVE


def test_an_invited_client_has_only_a_stage():
    client = client_make(firm=firm_make())
    row = client_status_refresh(client=client)
    assert row.stage == ClientStage.INVITED and row.consents_signed == []
    assert row.status_refreshed_at is not None


def test_the_sweep_catches_what_no_receiver_saw():
    # given a client whose consent was recorded without the receivers running (no commit)
    client = client_make(firm=firm_make(), joined=True)
    grant_consent(client.memorial, ConsentScope.CORPUS)
    detached = client_make(firm=client.firm, joined=True)
    FirmClient.objects.filter(pk=detached.pk).update(detached_at=detached.created_at)
    grant_consent(detached.memorial, ConsentScope.CORPUS)
    assert fresh(client).consents_signed == []
    # when the nightly sweep runs (twice: it is safe to)
    assert firm_client_status_sweep.apply().get() == 1
    assert client_status_sweep() == 1
    # then the live client is current; the detached one is not read
    assert fresh(client).consents_signed == ["corpus"]
    assert fresh(detached).consents_signed == []


def test_the_consented_stage_and_the_dashboard_count_read_one_definition(signed_in_owner):
    # given a client who signed two of the three expected consents, and one who signed all
    client_http, firm = signed_in_owner
    partial = client_make(firm=firm, name="Partial Client", joined=True)
    whole = client_make(firm=firm, name="Whole Client", joined=True)
    grant_consent(partial.memorial, ConsentScope.CORPUS, ConsentScope.CONVERSATION_LIVING)
    grant_consent(whole.memorial, *CONSENTS_EXPECTED)
    client_status_sweep()
    # then the stage says "consented" exactly when the dashboard's column is full
    assert fresh(partial).stage == ClientStage.JOINED
    assert fresh(whole).stage == ClientStage.CONSENTED
    page = client_http.get(reverse("firms:dashboard", kwargs={"slug": firm.slug}))
    rows = {row.client.name: row for row in page.context["page"].rows}
    assert rows["Partial Client"].consents_done == 2
    assert rows["Whole Client"].consents_done == len(CONSENTS_EXPECTED) == 3
    assert page.context["consents_expected"] == 3
    # and the reminders see what is missing from the same list
    assert consents_missing(signed=fresh(partial).consents_signed) == ["conversation_posthumous"]


def test_a_memorial_state_change_refreshes_its_client_row_once_on_commit(
    django_capture_on_commit_callbacks,
):
    # given a joined client
    client = client_make(firm=firm_make(), joined=True)
    memorial = client.memorial
    # when the subject seals their memorial (a state change), inside one transaction that
    # also asks again for the same refresh
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        memorial_transition(memorial=memorial, to=MemorialState.SEALED, actor=memorial.subject)
        client_status_refresh_on_commit(memorial_id=memorial.id)
    # then the row shows it at once, refreshed by one callback
    refreshes = [c for c in callbacks if isinstance(c, StatusRefresh)]
    assert len(refreshes) == 1
    assert fresh(client).activation_state == MemorialState.SEALED
    # and a rolled-back change asks for nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        memorial_transition(memorial=memorial, to=MemorialState.PRESERVING, actor=memorial.subject)
        transaction.set_rollback(True)
    assert not [c for c in callbacks if isinstance(c, StatusRefresh)]
    assert fresh(client).activation_state == MemorialState.SEALED
