import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Plan
from core.consent import ConsentScope
from core.models import AuditEvent
from firms.dashboard import PAGE_SIZE
from firms.models import ClientStage, FirmClient, FirmRole
from tests.accounts.factories import UserFactory
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db

# Session and user, the staff row (firm_get_for), two-factor, staff, plans, stage counts,
# the count of matching clients (only when filtered) and the page of them.
DASHBOARD_QUERIES = 9
UNFILTERED_QUERIES = 8


def clients_bulk(firm, n, **fields):
    """`n` roster rows at once (status columns only, as the dashboard reads them)."""
    FirmClient.objects.bulk_create(
        FirmClient(firm=firm, name=f"Bulk {i:04d}", email=f"bulk{i}@{firm.slug}.example", **fields)
        for i in range(n)
    )


@pytest.fixture
def firm():
    return firm_make(name="Hart & Vale")


@pytest.fixture
def advisor(firm):
    return staff_make(firm=firm, role=FirmRole.ADVISOR, user=None)


@pytest.fixture
def signed_in(client, advisor):
    client.force_login(advisor.user)
    return client


def url(firm, **params):
    base = reverse("firms:dashboard", kwargs={"slug": firm.slug})
    if not params:
        return base
    return base + "?" + "&".join(f"{key}={value}" for key, value in params.items())


def names(response):
    return [row.client.name for row in response.context["page"].rows]


def test_the_dashboard_shows_each_clients_status_columns(signed_in, firm, advisor):
    # given
    client_make(
        firm=firm,
        name="Ada Lovelace",
        advisor=advisor,
        stage=ClientStage.WRITING,
        consents_signed=[ConsentScope.CORPUS, ConsentScope.CONVERSATION_LIVING],
        documents_count=12,
        twin_ready=True,
        activation_state="preserving",
        plan_code="firm-client",
    )
    # when
    response = signed_in.get(url(firm))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index("Ada Lovelace") :]
    row = row[: row.index("</tr>")]
    for shown in (str(advisor.user), "Writing added", "2/3", "12", "Ready", "Preserving"):
        assert shown in row
    assert Plan.objects.get(code="firm-client").name in row and "firm-client" not in row


def test_strangers_and_other_firms_staff_get_404(client, firm):
    client_make(firm=firm, name="Ada Lovelace")
    other = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    for user in (UserFactory(), other.user):
        client.force_login(user)
        assert client.get(url(firm)).status_code == 404
        assert client.get(reverse("firms:dashboard_export", args=[firm.slug])).status_code == 404
    client.logout()
    assert client.get(url(firm)).status_code == 404


def test_staff_without_two_factor_are_sent_to_set_it_up(client, firm):
    staff = staff_make(firm=firm, two_factor=False)
    client.force_login(staff.user)
    response = client.get(url(firm))
    assert response.status_code == 302
    assert reverse("mfa_activate_totp") in response["Location"]


def test_an_assistant_sees_the_dashboard(client, firm):
    assistant = staff_make(firm=firm, role=FirmRole.ASSISTANT)
    client_make(firm=firm, name="Ada Lovelace")
    client.force_login(assistant.user)
    assert names(client.get(url(firm))) == ["Ada Lovelace"]


def test_detached_clients_and_other_firms_clients_are_not_listed(signed_in, firm):
    client_make(firm=firm, name="Ada Lovelace")
    client_make(firm=firm, name="Gone Away", stage=ClientStage.DETACHED, detached_at=timezone.now())
    client_make(firm=firm_make(), name="Someone Else")
    assert names(signed_in.get(url(firm))) == ["Ada Lovelace"]


def test_filters_by_advisor_stage_plan_and_activation(signed_in, firm, advisor):
    other = staff_make(firm=firm)
    client_make(firm=firm, name="A", advisor=advisor, stage=ClientStage.JOINED, plan_code="p1")
    client_make(firm=firm, name="B", advisor=other, stage=ClientStage.JOINED, plan_code="p2")
    client_make(firm=firm, name="C", stage=ClientStage.ACTIVE, activation_state="active")
    assert names(signed_in.get(url(firm, advisor=advisor.pk))) == ["A"]
    assert names(signed_in.get(url(firm, advisor="none"))) == ["C"]
    assert names(signed_in.get(url(firm, stage="joined"))) == ["A", "B"]
    assert names(signed_in.get(url(firm, activation="active"))) == ["C"]
    # a plan filter only knows plans that exist; an unknown value is ignored, not an error
    assert names(signed_in.get(url(firm, stage="nonsense"))) == ["A", "B", "C"]


def test_filter_by_plan(signed_in, firm):
    client_make(firm=firm, name="A", plan_code="firm-client")
    client_make(firm=firm, name="B", plan_code="")
    response = signed_in.get(url(firm, plan="firm-client"))
    assert names(response) == ["A"]


def test_plans_show_by_name_not_code(client, signed_in, firm, advisor):
    # given a client on the firm plan
    plan = Plan.objects.get(code="firm-client")
    ada = client_make(firm=firm, name="Ada", plan_code="firm-client")
    # then the dashboard and the client's page name the plan, and the CSV keeps its code
    page = signed_in.get(url(firm))
    assert [row.plan_name for row in page.context["page"].rows] == [plan.name]
    assert f"<td>{plan.name}</td>" in page.content.decode()
    detail = signed_in.get(reverse("firms:client", kwargs={"slug": firm.slug, "client_id": ada.id}))
    assert plan.name in detail.content.decode()
    assert ">firm-client<" not in detail.content.decode()
    exported = b"".join(
        signed_in.get(
            reverse("firms:dashboard_export", kwargs={"slug": firm.slug})
        ).streaming_content
    ).decode()
    assert "firm-client" in exported


def test_search_by_part_of_a_name_or_email(signed_in, firm):
    client_make(firm=firm, name="Ada Lovelace", email="ada@analytical.example")
    client_make(firm=firm, name="Charles Babbage", email="charles@engine.example")
    assert names(signed_in.get(url(firm, search="lovel"))) == ["Ada Lovelace"]
    assert names(signed_in.get(url(firm, search="ENGINE"))) == ["Charles Babbage"]
    assert names(signed_in.get(url(firm, search="nobody"))) == []


def test_sorting_by_a_column_both_ways(signed_in, firm):
    client_make(firm=firm, name="A", documents_count=5)
    client_make(firm=firm, name="B", documents_count=50)
    client_make(firm=firm, name="C", documents_count=0)
    assert names(signed_in.get(url(firm, sort="writing"))) == ["C", "A", "B"]
    assert names(signed_in.get(url(firm, sort="writing", order="desc"))) == ["B", "A", "C"]
    client_make(firm=firm, name="D", stage=ClientStage.TWIN_READY)
    assert names(signed_in.get(url(firm, sort="stage", order="desc")))[0] == "D"


def test_pages_of_fifty_with_counts_per_stage(signed_in, firm):
    clients_bulk(firm, PAGE_SIZE + 10)
    clients_bulk(firm_make(), 3)
    client_make(firm=firm, name="Zed", stage=ClientStage.CONSENTED)
    first = signed_in.get(url(firm))
    assert len(first.context["page"].rows) == PAGE_SIZE
    assert first.context["page"].total == PAGE_SIZE + 11
    second = signed_in.get(url(firm, page=2))
    assert len(second.context["page"].rows) == 11
    assert names(second)[-1] == "Zed"
    counts = {stage: n for stage, _, n in first.context["stage_counts"]}
    assert counts[ClientStage.INVITED] == PAGE_SIZE + 10
    assert counts[ClientStage.CONSENTED] == 1
    assert ClientStage.DETACHED not in counts
    # a page past the end shows the last one
    assert signed_in.get(url(firm, page=99)).context["page"].page == 2


@pytest.mark.parametrize(
    ("params", "pin"),
    [
        ({}, UNFILTERED_QUERIES),
        ({"stage": "invited", "search": "bulk"}, DASHBOARD_QUERIES),
        ({"sort": "reminded", "order": "desc", "page": 2}, UNFILTERED_QUERIES),
    ],
)
def test_the_query_count_does_not_grow_with_the_clients(
    signed_in, firm, advisor, params, pin, django_assert_num_queries
):
    clients_bulk(firm, 5, advisor=advisor)
    with django_assert_num_queries(pin):
        signed_in.get(url(firm, **params))
    clients_bulk(firm_make(), 1)
    FirmClient.objects.bulk_create(
        FirmClient(firm=firm, name=f"More {i}", email=f"more{i}@x.example", advisor=advisor)
        for i in range(150)
    )
    with django_assert_num_queries(pin):
        response = signed_in.get(url(firm, **params))
    assert response.status_code == 200


def test_the_dashboard_never_reads_memorial_content(signed_in, firm):
    client_make(firm=firm, name="Ada Lovelace", joined=True)
    with CaptureQueriesContext(connection) as queries:
        signed_in.get(url(firm, sort="consents"))
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    for content in ("memorials_memorial", "corpus_", "conversations_", "twins_", "consent_"):
        assert content not in tables


def test_csv_export_streams_every_matching_client(signed_in, firm, advisor):
    # given: more clients than a page, one of them on another stage
    clients_bulk(firm, PAGE_SIZE + 5, advisor=advisor)
    client_make(firm=firm, name="Ada, Countess", consents_signed=[ConsentScope.CORPUS])
    # when
    response = signed_in.get(
        reverse("firms:dashboard_export", args=[firm.slug]) + "?advisor=" + str(advisor.pk)
    )
    # then
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["name", "email", "advisor", "stage"]
    assert len(rows) == 1 + PAGE_SIZE + 5
    everyone = signed_in.get(reverse("firms:dashboard_export", args=[firm.slug]))
    rows = list(csv.reader(io.StringIO(b"".join(everyone.streaming_content).decode())))
    ada = next(row for row in rows if row[0] == "Ada, Countess")
    assert ada[4:6] == ["1", "3"]
    assert AuditEvent.objects.filter(action="firm.roster_exported").count() == 2


def test_last_reminded_is_shown(signed_in, firm):
    client_make(firm=firm, name="Ada", last_reminded_at=timezone.now() - timedelta(days=2))
    client_make(firm=firm, name="Bea")
    html = signed_in.get(url(firm)).content.decode()
    assert "Never" in html[html.index("Bea") :]
    assert (timezone.now() - timedelta(days=2)).strftime("%Y") in html[html.index("Ada") :]


def test_a_removed_advisor_still_names_their_clients_but_is_no_filter_choice(
    signed_in, firm, django_assert_max_num_queries
):
    gone = staff_make(firm=firm)
    gone.removed_at = timezone.now()
    gone.save()
    client_make(firm=firm, name="Ada Lovelace", advisor=gone)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = signed_in.get(url(firm))
    assert str(gone.user) in response.content.decode()
    choices = [value for value, _ in response.context["form"].fields["advisor"].choices]
    assert str(gone.pk) not in choices
