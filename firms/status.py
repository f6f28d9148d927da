"""The status columns of a firm's client (`FirmClient.stage` and the counts beside it), read
from the client's memorial as counts and states only: which consent scopes are signed (their
codes, never what was signed), how many documents and passages (never which), whether a twin
is ready, the memorial's state and the plan in effect. Nothing here reads content.

Kept current by receivers (`firms.receivers`, connected in `FirmsConfig.ready`) after each
change that moves them, and by a nightly sweep (`firms.tasks.client_status_sweep`)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from billing.entitlements import plan_state
from billing.models import Plan
from consent.selectors import consent_records_for
from core.consent import ConsentScope
from corpus.selectors import corpus_counts
from firms.models import ClientStage, FirmClient
from memorials.activation.selectors import activation_pending_get
from memorials.models import MemorialState
from twins.models import Twin
from twins.selectors import twin_serving

# What the activation column says while a steward's request waits for its second approval.
ACTIVATION_REQUESTED = "requested"

# The consents a client is asked to sign for their memorial to be whole (voice and
# commercial use are their own choices and are never reminded of). The one definition: the
# "consented" stage, the dashboard's "signed of expected" column and the reminders read it.
CONSENTS_EXPECTED: tuple[str, ...] = (
    ConsentScope.CORPUS,
    ConsentScope.CONVERSATION_LIVING,
    ConsentScope.CONVERSATION_POSTHUMOUS,
)

STATUS_FIELDS = [
    "stage",
    "consents_signed",
    "documents_count",
    "passages_count",
    "twin_ready",
    "activation_state",
    "plan_code",
    "status_refreshed_at",
]


def consents_missing(*, signed: list[str] | None) -> list[str]:
    """The expected consents not among `signed`, in `CONSENTS_EXPECTED`'s order."""
    have = set(signed or [])
    return [scope for scope in CONSENTS_EXPECTED if scope not in have]


def consents_done(*, signed: list[str] | None) -> int:
    """How many of the expected consents are among `signed`."""
    return len(CONSENTS_EXPECTED) - len(consents_missing(signed=signed))


def client_stage_for(*, client: FirmClient) -> str:
    """Where the client stands, from the columns already filled (the furthest step wins)."""
    if client.detached_at is not None:
        return ClientStage.DETACHED
    if client.memorial_id is None:
        return ClientStage.INVITED
    if client.activation_state == MemorialState.ACTIVE:
        return ClientStage.ACTIVE
    if client.twin_ready:
        return ClientStage.TWIN_READY
    if client.documents_count or client.passages_count:
        return ClientStage.WRITING
    if not consents_missing(signed=client.consents_signed):
        return ClientStage.CONSENTED
    return ClientStage.JOINED


def client_status_refresh(*, client: FirmClient) -> FirmClient:
    """Fill `client`'s status columns from its memorial (counts and states only) and save
    them. A client without a memorial (invited, or detached and so no longer the firm's to
    see) keeps its counts as they were and gets only its stage."""
    memorial = client.memorial if client.detached_at is None else None
    if memorial is not None:
        live = consent_records_for(memorial_id=memorial.id).filter(revoked_at__isnull=True)
        client.consents_signed = sorted(set(live.values_list("scope", flat=True)))
        counts = corpus_counts(memorial_id=memorial.id)
        client.documents_count = counts["documents"]
        client.passages_count = counts["passages"]
        client.twin_ready = twin_serving(memorial_id=memorial.id) is not None
        pending = memorial.state not in (MemorialState.ACTIVE, MemorialState.CLOSED) and (
            activation_pending_get(memorial_id=memorial.id) is not None
        )
        client.activation_state = ACTIVATION_REQUESTED if pending else memorial.state
        client.plan_code = _plan_code(memorial_id=memorial.id)
    client.stage = client_stage_for(client=client)
    client.status_refreshed_at = timezone.now()
    client.save(update_fields=STATUS_FIELDS)
    return client


def _plan_code(*, memorial_id: uuid.UUID) -> str:
    state = plan_state(memorial_id)
    if state.plan_id is None:
        return state.fallback
    return Plan.objects.filter(pk=state.plan_id).values_list("code", flat=True).first() or ""


def client_status_refresh_for_memorial(*, memorial_id: uuid.UUID | str) -> int:
    """Refresh every firm client whose memorial this is (usually none, or one). How many."""
    clients = FirmClient.objects.select_related("memorial").filter(
        memorial_id=memorial_id, detached_at__isnull=True
    )
    refreshed = 0
    for client in clients:
        client_status_refresh(client=client)
        refreshed += 1
    return refreshed


def client_status_refresh_for_twin(*, twin_id: uuid.UUID | str) -> int:
    memorial_id = Twin.objects.filter(pk=twin_id).values_list("memorial_id", flat=True).first()
    return client_status_refresh_for_memorial(memorial_id=memorial_id) if memorial_id else 0


class StatusRefresh:
    """One waiting refresh of a memorial's firm clients (named by the memorial or by its
    twin), run by `transaction.on_commit`. `done` once run: a refresh still waiting for the
    same commit is not asked for twice."""

    def __init__(self, *, memorial_id: str = "", twin_id: str = "") -> None:
        self.key = (memorial_id, twin_id)
        self.done = False

    def __call__(self) -> int:
        self.done = True
        memorial_id, twin_id = self.key
        if memorial_id:
            return client_status_refresh_for_memorial(memorial_id=memorial_id)
        return client_status_refresh_for_twin(twin_id=twin_id)


def client_status_refresh_on_commit(
    *, memorial_id: uuid.UUID | str | None = None, twin_id: uuid.UUID | str | None = None
) -> None:
    """The one way a change elsewhere asks for a refresh of a memorial's firm clients (named
    by the memorial, or by its twin): after it commits, so the refresh reads what was
    committed, a rolled-back change asks for nothing, and the change itself runs no query
    more. Asked twice before one commit (an activation saves its request and moves the
    memorial), the memorial's row is refreshed once."""
    if memorial_id is not None:
        refresh = StatusRefresh(memorial_id=str(memorial_id))
    elif twin_id is not None:
        refresh = StatusRefresh(twin_id=str(twin_id))
    else:
        return
    waiting = transaction.get_connection().run_on_commit
    if any(
        isinstance(entry[1], StatusRefresh) and not entry[1].done and entry[1].key == refresh.key
        for entry in waiting
    ):
        return
    transaction.on_commit(refresh)


def client_status_sweep() -> int:
    """Refresh every live client with a memorial (the nightly catch-all). How many."""
    refreshed = 0
    clients = FirmClient.objects.select_related("memorial").filter(
        memorial__isnull=False, detached_at__isnull=True
    )
    for client in clients.iterator(chunk_size=500):
        client_status_refresh(client=client)
        refreshed += 1
    return refreshed
