"""What the firm's billing pages read: its plan and seats now (`firm_billing_overview`) and a
month's statement (`firm_statement`): each client who held a seat in the month, and for how
many days (a day counts when the seat was open for any part of it, in the server's time
zone), priced per seat day at the monthly seat price."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from billing.models import Price, SubscriptionStatus
from billing.pricing import money
from billing.providers import PaymentProvider, payment_provider
from firms.models import Firm, FirmSeat, FirmSubscription
from firms.seats import GRACE, firm_price, firm_subscription_get, grace_until, seat_clients


@dataclass(frozen=True)
class BillingOverview:
    subscription: FirmSubscription
    seats: int
    price: Price | None
    price_label: str  # "9.00 USD a seat a month"
    next_amount: str  # seats x price, "" without a price
    status_label: str
    in_grace: bool
    grace_until: datetime | None
    provider: PaymentProvider


def firm_billing_overview(*, firm: Firm) -> BillingOverview:
    sub = firm_subscription_get(firm=firm)
    price = sub.price or firm_price()
    seats = seat_clients(firm=firm).count()
    return BillingOverview(
        subscription=sub,
        seats=seats,
        price=price,
        price_label=(
            f"{money(price.amount_minor, price.currency)} a seat a {price.interval}"
            if price
            else ""
        ),
        next_amount=money(price.amount_minor * seats, price.currency) if price else "",
        status_label=str(SubscriptionStatus(sub.status).label),
        in_grace=sub.status in GRACE,
        grace_until=grace_until(sub) if sub.status in GRACE else None,
        provider=payment_provider(),
    )


@dataclass(frozen=True)
class StatementLine:
    client_id: str
    name: str
    email: str
    advisor: str
    seat_days: int
    whole_month: bool
    amount_minor: int
    amount: str


@dataclass(frozen=True)
class Statement:
    month: date  # its first day
    days: int
    lines: list[StatementLine]
    seat_days: int
    amount_minor: int
    currency: str
    per_seat_month_minor: int

    @property
    def amount(self) -> str:
        return money(self.amount_minor, self.currency)

    @property
    def per_seat(self) -> str:
        return money(self.per_seat_month_minor, self.currency)


def month_parse(value: str | None, *, today: date | None = None) -> date:
    """ "2026-11" as its first day; this month for anything else."""
    today = today or timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def statement_months(*, firm: Firm, today: date | None = None) -> list[date]:
    """The months the firm can read a statement for, newest first (back to its creation)."""
    today = today or timezone.localdate()
    first = timezone.localdate(firm.created_at).replace(day=1)
    months: list[date] = []
    current = today.replace(day=1)
    while current >= first and len(months) < 120:
        months.append(current)
        current = (current - timedelta(days=1)).replace(day=1)
    return months


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def firm_statement(*, firm: Firm, month: date, today: date | None = None) -> Statement:
    """The month's statement (two queries: the seats with their clients, the price)."""
    today = today or timezone.localdate()
    days = calendar.monthrange(month.year, month.month)[1]
    last = month + timedelta(days=days - 1)
    seats = (
        FirmSeat.objects.filter(firm=firm, started_at__lt=_day_start(last + timedelta(days=1)))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=_day_start(month)))
        .select_related("client__advisor__user")
        .order_by("client__name", "client_id", "started_at")
    )
    counted: dict[str, set[date]] = {}
    clients = {}
    for seat in seats:
        start = max(timezone.localdate(seat.started_at), month)
        end_at = seat.ended_at
        end = timezone.localdate(end_at - timedelta(microseconds=1)) if end_at else today
        end = min(end, last)
        key = str(seat.client_id)
        clients[key] = seat.client
        days_open = counted.setdefault(key, set())
        day = start
        while day <= end:
            days_open.add(day)
            day += timedelta(days=1)
    price = firm_price()
    per_month = _per_month_minor(price)
    currency = price.currency if price else "usd"
    lines = []
    for key, client in clients.items():
        seat_days = len(counted[key])
        if not seat_days:
            continue
        advisor = client.advisor.user if client.advisor else None
        lines.append(
            StatementLine(
                client_id=key,
                name=client.name,
                email=client.email,
                advisor=str(advisor) if advisor else "",
                seat_days=seat_days,
                whole_month=seat_days == days,
                amount_minor=round(per_month * seat_days / days),
                amount=money(round(per_month * seat_days / days), currency),
            )
        )
    return Statement(
        month=month,
        days=days,
        lines=lines,
        seat_days=sum(line.seat_days for line in lines),
        amount_minor=sum(line.amount_minor for line in lines),
        currency=currency,
        per_seat_month_minor=per_month,
    )


def _per_month_minor(price: Price | None) -> int:
    if price is None:
        return 0
    return price.amount_minor if price.interval == "month" else round(price.amount_minor / 12)


def statement_csv_rows(statement: Statement) -> Iterator[list[str]]:
    yield ["client", "email", "advisor", "seat days", "whole month", "amount"]
    for line in statement.lines:
        yield [
            line.name,
            line.email,
            line.advisor,
            str(line.seat_days),
            "yes" if line.whole_month else "no",
            f"{line.amount_minor / 100:.2f}",
        ]
    yield ["Total", "", "", str(statement.seat_days), "", f"{statement.amount_minor / 100:.2f}"]
