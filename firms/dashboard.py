"""The firm's client dashboard, read from `FirmClient`'s status columns only (never a memorial's
content): the filtered and sorted roster, one page of it, the counts per stage, and the rows
of its CSV export. A fixed number of queries whatever the number of clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, OrderBy, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from billing.models import Plan
from firms.models import ClientStage, Firm, FirmClient, FirmStaff
from firms.status import CONSENTS_EXPECTED, consents_done

PAGE_SIZE = 50
NO_ADVISOR = "none"

# Stages in the order a client goes through them (for sorting by stage).
_STAGE_ORDER = Case(
    *[When(stage=value, then=Value(n)) for n, value in enumerate(ClientStage.values)],
    default=Value(len(ClientStage.values)),
    output_field=IntegerField(),
)

_EXPECTED_SIGNED = sum(
    (
        Case(
            When(consents_signed__contains=[scope], then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for scope in CONSENTS_EXPECTED
    ),
    start=Value(0),
)

# Sort key -> (column label, the expression sorted by). Ties go by name, then id.
SORTS: dict[str, tuple[str, Any]] = {
    "name": ("Name", F("name")),
    "advisor": ("Advisor", Coalesce(F("advisor__user__full_name"), Value(""))),
    "stage": ("Stage", _STAGE_ORDER),
    # By how many of the expected consents are signed (what the column shows).
    "consents": ("Consents", _EXPECTED_SIGNED),
    "writing": ("Writing", F("documents_count")),
    "twin": ("Twin", F("twin_ready")),
    "activation": ("Activation", F("activation_state")),
    "plan": ("Plan", F("plan_code")),
    "reminded": ("Last reminded", F("last_reminded_at")),
}


@dataclass(frozen=True)
class DashboardQuery:
    """What the staff member asked for: filters, a search, a sort and a page."""

    advisor: str = ""  # a FirmStaff id, NO_ADVISOR, or "" for everyone
    stage: str = ""
    plan: str = ""
    activation: str = ""
    search: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1

    @property
    def filtered(self) -> bool:
        return any([self.advisor, self.stage, self.plan, self.activation, self.search.strip()])


@dataclass(frozen=True)
class DashboardRow:
    client: FirmClient
    consents_done: int  # how many of CONSENTS_EXPECTED the client signed
    plan_name: str  # the plan's name ("" when the client has none yet)


@dataclass(frozen=True)
class DashboardPage:
    rows: list[DashboardRow]
    total: int  # clients matching the filters
    page: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.rows)


def dashboard_clients(*, firm: Firm, query: DashboardQuery) -> QuerySet[FirmClient]:
    """The firm's current clients (not detached) matching `query`'s filters and search,
    in its order."""
    clients = FirmClient.objects.filter(firm=firm, detached_at__isnull=True)
    if query.advisor == NO_ADVISOR:
        clients = clients.filter(advisor__isnull=True)
    elif query.advisor.isdigit():
        clients = clients.filter(advisor_id=int(query.advisor))
    if query.stage:
        clients = clients.filter(stage=query.stage)
    if query.plan:
        clients = clients.filter(plan_code=query.plan)
    if query.activation:
        clients = clients.filter(activation_state=query.activation)
    if search := query.search.strip():
        clients = clients.filter(Q(name__icontains=search) | Q(email__icontains=search.lower()))
    expression = SORTS.get(query.sort, SORTS["name"])[1]
    # Only "last reminded" can be empty: "never" goes last both ways. The other columns are
    # never null, and an order without NULLS LAST can walk the (firm, column) indexes.
    nulls_last = True if query.sort == "reminded" else None
    order = OrderBy(expression, descending=query.descending, nulls_last=nulls_last)
    ties = ["id"] if query.sort not in SORTS or query.sort == "name" else ["name", "id"]
    return clients.order_by(order, *ties)


def dashboard_page(
    *,
    firm: Firm,
    query: DashboardQuery,
    staff: list[FirmStaff],
    stage_counts: list[tuple[str, str, int]],
    plans: list[tuple[str, str]],
) -> DashboardPage:
    """One page of `PAGE_SIZE` clients (the last page when `query.page` is past it): one
    query, two when filtered (the count; unfiltered, the total is the sum of `stage_counts`,
    from `dashboard_stage_counts`). Each plan's name is taken from `plans`
    (`dashboard_plans`, loaded for the filter anyway). Each client's advisor is taken from `staff`
    (`dashboard_staff`, loaded for the filter anyway) rather than joined: sorting 10,000
    joined rows cost twice as much."""
    clients = dashboard_clients(firm=firm, query=query)
    unfiltered_total = sum(count for _, _, count in stage_counts)
    total = clients.count() if query.filtered else unfiltered_total
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, query.page), pages)
    start = (page - 1) * PAGE_SIZE
    advisors = {member.pk: member for member in staff}
    names = dict(plans)
    rows = []
    for client in clients[start : start + PAGE_SIZE]:
        if client.advisor_id in advisors:
            client.advisor = advisors[client.advisor_id]
        rows.append(
            DashboardRow(
                client=client,
                consents_done=consents_done(signed=client.consents_signed),
                plan_name=names.get(client.plan_code, client.plan_code),
            )
        )
    return DashboardPage(rows=rows, total=total, page=page, pages=pages)


def dashboard_stage_counts(*, firm: Firm) -> list[tuple[str, str, int]]:
    """(stage, label, clients) for every stage but "left the firm", in order: one query."""
    counts = dict(
        FirmClient.objects.filter(firm=firm, detached_at__isnull=True)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    return [
        (value, label, counts.get(value, 0))
        for value, label in ClientStage.choices
        if value != ClientStage.DETACHED
    ]


def dashboard_clients_chosen(*, firm: Firm, client_ids: list[str]) -> QuerySet[FirmClient]:
    """The firm's current clients among `client_ids` (ids of other firms' clients, detached
    clients or malformed ids select nothing)."""
    valid = []
    for client_id in client_ids:
        try:
            valid.append(uuid.UUID(client_id))
        except ValueError:
            continue
    return FirmClient.objects.filter(firm=firm, detached_at__isnull=True, pk__in=valid)


def dashboard_plans() -> list[tuple[str, str]]:
    """(code, name) of every plan, for the plan filter."""
    return list(Plan.objects.order_by("position", "code").values_list("code", "name"))


def plan_name_for(*, code: str) -> str:
    """The name of the plan whose code is `code` (the code itself for an unknown one; ""
    for none): one query."""
    if not code:
        return ""
    return Plan.objects.filter(code=code).values_list("name", flat=True).first() or code


def dashboard_staff(*, firm: Firm) -> list[FirmStaff]:
    """The firm's staff with their users, removed ones too (a client's advisor may have left
    the firm): the current ones are the advisor filter's choices."""
    return list(
        FirmStaff.objects.filter(firm=firm)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


CSV_HEADER = [
    "name",
    "email",
    "advisor",
    "stage",
    "consents_signed",
    "consents_expected",
    "documents",
    "passages",
    "twin_ready",
    "activation",
    "plan",
    "last_reminded",
    "external_ref",
]


def dashboard_csv_rows(*, firm: Firm, query: DashboardQuery) -> Iterator[list[str]]:
    """The header, then every client matching `query` (all pages), read in chunks."""
    yield CSV_HEADER
    clients = dashboard_clients(firm=firm, query=query).values_list(
        "name",
        "email",
        "advisor__user__full_name",
        "advisor__user__email",
        "stage",
        "consents_signed",
        "documents_count",
        "passages_count",
        "twin_ready",
        "activation_state",
        "plan_code",
        "last_reminded_at",
        "external_ref",
    )
    stages = dict(ClientStage.choices)
    for row in clients.iterator(chunk_size=2000):
        (name, email, advisor_name, advisor_email, stage, signed, documents, passages) = row[:8]
        twin, activation, plan, reminded, ref = row[8:]
        yield [
            name,
            email,
            advisor_name or advisor_email or "",
            stages.get(stage, stage),
            str(consents_done(signed=signed)),
            str(len(CONSENTS_EXPECTED)),
            str(documents),
            str(passages),
            "yes" if twin else "no",
            activation,
            plan,
            reminded.isoformat() if reminded else "",
            ref,
        ]
