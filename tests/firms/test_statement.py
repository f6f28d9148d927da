"""The monthly statement: each client the firm paid a seat for in the month, with their seat
days (a day counts when the seat was open for any part of it), priced per seat day; the page
and its CSV (power BILLING)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from firms.models import FirmRole, FirmSeat
from firms.statement import firm_statement, month_parse
from firms.trail import firm_audit_events
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def seat(firm, client, start: date, end: date | None = None) -> FirmSeat:
    return FirmSeat.objects.create(
        firm=firm, client=client, started_at=at(start), ended_at=at(end) if end else None
    )


@pytest.fixture
def roster():
    firm = firm_make()
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    whole = client_make(firm=firm, name="Ada Whole", joined=True, advisor=advisor)
    part = client_make(firm=firm, name="Bo Part", joined=True)
    before = client_make(firm=firm, name="Cy Before", joined=True)
    seat(firm, whole, date(2026, 10, 20))  # open since October
    seat(firm, part, date(2026, 11, 10), date(2026, 11, 19))  # 10 days
    seat(firm, part, date(2026, 11, 25), date(2026, 11, 25))  # same day: 1 more
    seat(firm, before, date(2026, 9, 1), date(2026, 10, 31))  # ended before November
    return firm, advisor


def test_seat_days_and_amounts_of_a_month(roster):
    firm, advisor = roster
    found = firm_statement(firm=firm, month=date(2026, 11, 1), today=date(2026, 12, 3))
    lines = {line.name: line for line in found.lines}
    assert set(lines) == {"Ada Whole", "Bo Part"}
    assert (lines["Ada Whole"].seat_days, lines["Ada Whole"].whole_month) == (30, True)
    assert (lines["Bo Part"].seat_days, lines["Bo Part"].whole_month) == (11, False)
    assert lines["Ada Whole"].advisor == str(advisor.user)
    # $9 a seat a month: the whole month is $9, 11 of 30 days is $3.30
    assert lines["Ada Whole"].amount_minor == 900 and lines["Bo Part"].amount_minor == 330
    assert (found.seat_days, found.amount_minor, found.amount) == (41, 1230, "$12.30")
    # an open seat counts up to today only
    now = firm_statement(firm=firm, month=date(2026, 12, 1), today=date(2026, 12, 3))
    assert [(line.name, line.seat_days) for line in now.lines] == [("Ada Whole", 3)]


def test_a_bad_month_is_this_month():
    assert month_parse("2026-11") == date(2026, 11, 1)
    assert month_parse("nonsense", today=date(2026, 12, 3)) == date(2026, 12, 1)
    assert month_parse("2026-13", today=date(2026, 12, 3)) == date(2026, 12, 1)


def test_the_statement_page_and_its_csv(client, roster):
    firm, advisor = roster
    client.force_login(advisor.user)
    url = reverse("firms:statement", kwargs={"slug": firm.slug})
    page = client.get(url, {"month": "2026-11"}).content.decode()
    assert "Statement for November 2026" in page
    assert "Ada Whole" in page and "Bo Part" in page and "Cy Before" not in page
    assert "$12.30" in page
    response = client.get(
        reverse("firms:statement_csv", kwargs={"slug": firm.slug}), {"month": "2026-11"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "statement-2026-11.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["client", "email", "advisor", "seat days", "whole month", "amount"]
    assert [row[0] for row in rows[1:]] == ["Ada Whole", "Bo Part", "Total"]
    assert rows[-1][3:] == ["41", "", "12.30"]
    exported = firm_audit_events(firm=firm).get(action="firm.statement_exported")
    assert exported.data["month"] == "2026-11" and exported.actor_ref == str(advisor.user.pk)


def test_a_name_that_looks_like_a_formula_stays_text(client):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    sly = client_make(firm=firm, name='=HYPERLINK("http://x")', joined=True)
    seat(firm, sly, timezone.localdate().replace(day=1))
    client.force_login(owner.user)
    response = client.get(reverse("firms:statement_csv", kwargs={"slug": firm.slug}))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
