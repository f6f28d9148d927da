"""The firm's trail: every staff action with who, what and when in words, filtered by dates
and client, paginated, for the owner only; its streamed CSV export; and staff actions on a
client in the client's own memorial audit log too."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.selectors import audit_page_for
from firms.models import FirmRole
from firms.trail import firm_audit_events, firm_audit_record
from firms.trail_pages import TRAIL_PER_PAGE
from tests.accounts.factories import UserFactory
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail():
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    ada = client_make(firm=firm, name="Ada Byron", joined=True)
    bo = client_make(firm=firm, name="Bo Grant")
    firm_audit_record(firm=firm, action="firm.client_added", actor=advisor.user, client=ada)
    ten_days_ago = timezone.now() - timedelta(days=10)
    with pytest.MonkeyPatch.context() as patch:  # the log only grows: record it back then
        patch.setattr(timezone, "now", lambda: ten_days_ago)
        firm_audit_record(firm=firm, action="firm.client_invited", actor=advisor.user, client=bo)
    firm_audit_record(firm=firm, action="firm.billing_seats_changed", actor=None, data={"seats": 1})
    # another firm's events never show
    firm_audit_record(firm=firm_make(), action="firm.client_added", actor=UserFactory())
    return firm, owner, advisor, ada, bo


def test_the_owner_reads_who_did_what_when_in_words(client, trail):
    firm, owner, advisor, _, _ = trail
    client.force_login(owner.user)
    page = client.get(reverse("firms:trail", kwargs={"slug": firm.slug})).content.decode()
    assert "3 entries" in page
    assert "Added a client to the firm&#x27;s roster" in page and "· Ada Byron" in page
    assert "Invited a client in the firm&#x27;s name" in page and "· Bo Grant" in page
    assert "The firm&#x27;s paid client seats changed" in page and "1 seat" in page
    assert str(advisor.user) in page and "Legacy" in page
    assert '"firm"' not in page and str(firm.id) not in page  # ids are never shown


def test_the_trail_filters_by_client_and_dates(client, trail):
    firm, owner, _, ada, _ = trail
    client.force_login(owner.user)
    url = reverse("firms:trail", kwargs={"slug": firm.slug})
    only_ada = client.get(url, {"client": str(ada.id)}).content.decode()
    assert "1 entry" in only_ada and "Ada Byron" in only_ada
    recent = client.get(url, {"since": str(timezone.localdate() - timedelta(days=2))})
    assert "2 entries" in recent.content.decode()
    older = client.get(url, {"until": str(timezone.localdate() - timedelta(days=5))})
    assert "1 entry" in older.content.decode() and "Bo Grant" in older.content.decode()
    # nonsense is ignored, not an error
    assert client.get(url, {"since": "soon", "client": "x"}).status_code == 200


def test_the_trail_is_paginated(client, trail, django_assert_max_num_queries):
    firm, owner, advisor, ada, _ = trail
    for _ in range(TRAIL_PER_PAGE):
        firm_audit_record(firm=firm, action="firm.client_added", actor=advisor.user, client=ada)
    client.force_login(owner.user)
    url = reverse("firms:trail", kwargs={"slug": firm.slug})
    first = client.get(url).content.decode()
    assert "page 1 of 2" in first and "Older" in first
    with django_assert_max_num_queries(12):
        second = client.get(url, {"page": 2}).content.decode()
    assert "page 2 of 2" in second


def test_only_the_owner_sees_or_exports_the_trail(client, trail):
    firm, _, advisor, _, _ = trail
    assistant = staff_make(firm=firm, role=FirmRole.ASSISTANT)
    for user in (advisor.user, assistant.user, UserFactory()):
        client.force_login(user)
        for name in ("trail", "trail_csv"):
            assert (
                client.get(reverse(f"firms:{name}", kwargs={"slug": firm.slug})).status_code == 404
            )
    assert not firm_audit_events(firm=firm).filter(action="firm.trail_exported").exists()


def test_the_csv_export_streams_the_whole_trail_oldest_first(client, trail):
    firm, owner, advisor, ada, _ = trail
    client.force_login(owner.user)
    response = client.get(reverse("firms:trail_csv", kwargs={"slug": firm.slug}))
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["when (UTC)", "who", "what", "client", "detail", "action"]
    assert [row[5] for row in rows[1:]] == [
        "firm.client_added",
        "firm.client_invited",
        "firm.billing_seats_changed",
        "firm.trail_exported",  # the export itself is recorded first, and is in it
    ]
    assert rows[1][1:4] == [str(advisor.user), "Added a client to the firm's roster", "Ada Byron"]
    assert rows[3][1] == "Legacy" and rows[3][4] == "1 seat"
    assert rows[4][1:3] == [str(owner.user), "Downloaded the firm's audit trail"]
    # and it takes the page's filter
    narrowed = client.get(
        reverse("firms:trail_csv", kwargs={"slug": firm.slug}), {"client": str(ada.id)}
    )
    rows = list(csv.reader(io.StringIO(b"".join(narrowed.streaming_content).decode())))
    assert [row[3] for row in rows[1:]] == ["Ada Byron"]


def test_a_staff_action_on_a_client_is_in_their_memorial_audit_log(trail):
    _firm, _, advisor, ada, _ = trail
    _, entries = audit_page_for(memorial_id=ada.memorial_id)
    mine = [e for e in entries if e.action == "firm.client_added"]
    assert len(mine) == 1 and mine[0].who == str(advisor.user)
    assert mine[0].what == "Added a client to the firm's roster"
    # the firm's own events (no client) are not in any memorial's log
    assert "firm.billing_seats_changed" not in [e.action for e in entries]
