"""Latency of the firm's client dashboard with 10,000 clients, through the real view.

Fills one firm with CLIENTS clients (bulk_create of roster rows with varied status columns:
stages, advisors, plans, consents, counts; no memorials, as the dashboard reads only the
status columns) plus a second firm of the same size (so every query must keep to its own
firm), then times, with Django's test Client signed in as an advisor with two-factor:
the first page, a filtered search (stage and advisor filters, a name search), a page sorted
by writing, descending, and a page deep in the list. Prints each one's p50 and p95, the
queries one page makes, the load average, and ends with `dashboard_p95_ms <value>`, the
worst p95 of the first page and the filtered search.

    .venv/bin/python bench/firm_dashboard.py [CLIENTS] [RUNS]

(default 10,000 clients and 100 runs of each page).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Iterable
from typing import cast

from benchdb import bench_setup


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    reused = bench_setup("legacy_bench_firms")

    from django.conf import settings

    from firms.models import Firm, FirmClient, FirmStaff

    settings.ALLOWED_HOSTS = ["*"]
    firm = Firm.objects.filter(slug="hart-vale").first()
    if reused and firm is not None:  # LEGACY_BENCH_KEEP=1: the clients of the last run
        me = FirmStaff.objects.select_related("user").get(firm=firm, user__full_name="Advisor 0")
        print(f"reusing {FirmClient.objects.count()} clients")
    else:
        me = fill(clients)
        firm = me.firm
    time_pages(me=me, runs=runs)


def fill(clients: int):  # type: ignore[no-untyped-def]
    """Two firms of `clients` clients each; returns the first firm's first advisor."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import connection

    from accounts.models import User
    from core.consent import ConsentScope
    from firms.models import ClientStage, Firm, FirmClient, FirmRole, FirmStaff

    started = time.perf_counter()
    rng = random.Random(16)
    firm = Firm.objects.create(name="Hart & Vale", slug="hart-vale")
    other = Firm.objects.create(name="Other Firm", slug="other-firm")
    staff = []
    for n in range(8):
        user = User.objects.create_user(
            email=f"advisor{n}@hartvale.example", full_name=f"Advisor {n}"
        )
        staff.append(FirmStaff.objects.create(firm=firm, user=user, role=FirmRole.ADVISOR))
    me = staff[0]
    TOTP.activate(me.user, generate_totp_secret())
    scopes = [
        ConsentScope.CORPUS,
        ConsentScope.CONVERSATION_LIVING,
        ConsentScope.CONVERSATION_POSTHUMOUS,
    ]
    first_names = ["Ada", "Ben", "Cleo", "Dev", "Edith", "Femi", "Grace", "Hugo", "Iris", "Jon"]
    last_names = ["Lovelace", "Okafor", "Nguyen", "Smith", "Garcia", "Kowalski", "Haddad", "Ito"]
    for target, advisors in ((firm, staff), (other, [None])):
        rows = []
        for i in range(clients):
            stage = rng.choice(ClientStage.values[:-1])
            joined = stage != ClientStage.INVITED
            rows.append(
                FirmClient(
                    firm=target,
                    name=f"{rng.choice(first_names)} {rng.choice(last_names)} {i}",
                    email=f"client{i}@{target.slug}.example",
                    advisor=rng.choice(advisors),
                    stage=stage,
                    consents_signed=scopes[: rng.randint(0, 3)] if joined else [],
                    documents_count=rng.randint(0, 40) if joined else 0,
                    passages_count=rng.randint(0, 4000) if joined else 0,
                    twin_ready=stage in (ClientStage.TWIN_READY, ClientStage.ACTIVE),
                    activation_state="active" if stage == ClientStage.ACTIVE else "preserving",
                    plan_code=rng.choice(["firm-client", "free", ""]),
                )
            )
        FirmClient.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE firms_firmclient")
    print(f"{2 * clients} clients in two firms made in {time.perf_counter() - started:.1f} s")
    return me


def time_pages(*, me, runs: int) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.http import StreamingHttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    firm = me.firm

    browser = Client()
    browser.force_login(me.user)
    base = reverse("firms:dashboard", kwargs={"slug": firm.slug})
    pages = {
        "first page": base,
        "filtered search": f"{base}?stage=writing&advisor={me.pk}&search=ada",
        "sorted by writing": f"{base}?sort=writing&order=desc",
        "page 150": f"{base}?page=150",
    }
    for url in pages.values():  # warm: templates, the plan cache, the buffers
        assert browser.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        browser.get(base)
    print(f"queries per page: {len(queries.captured_queries)}")
    p95s = {}
    for label, url in pages.items():
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            response = browser.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        p95s[label] = p95
        print(f"{label}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms ({url})")
    t0 = time.perf_counter()
    export = browser.get(reverse("firms:dashboard_export", kwargs={"slug": firm.slug}))
    streamed = cast(StreamingHttpResponse, export).streaming_content
    lines = sum(bytes(chunk).count(b"\n") for chunk in cast(Iterable[bytes], streamed))
    print(f"CSV export of {lines - 1} clients: {(time.perf_counter() - t0) * 1000:.0f} ms")
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"dashboard_p95_ms {max(p95s['first page'], p95s['filtered search']):.1f}")


if __name__ == "__main__":
    main()
