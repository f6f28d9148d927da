"""What the pricing page shows, read from the plans' data: each public plan with its prices in
this server's currency (`LEGACY_CURRENCY`) and what it includes in plain words, and the
memorials a signed-in person may choose a plan for."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch

from accounts.models import User
from billing.checkout import CheckoutRefused, checkout_payer_check
from billing.models import Plan, PlanAllowance, PlanAudience, Price, PriceInterval
from core.allowances import AllowanceKind
from memorials.models import Membership, MemorialState

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "nzd": "NZ$"}


def money(amount_minor: int, currency: str) -> str:
    """ "$99", "$9.90", "99 CHF": whole amounts without cents."""
    whole, cents = divmod(amount_minor, 100)
    number = f"{whole:,}" if cents == 0 else f"{amount_minor / 100:,.2f}"
    symbol = _SYMBOLS.get(currency.lower())
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"


def _size(mb: int) -> str:
    return f"{mb / 1000:g} GB" if mb >= 1000 else f"{mb} MB"


def allowance_words(kind: str, quota: int | None) -> str:
    """One allowance in plain words ("" for what the plan does not include)."""
    if quota == 0:
        return ""
    unlimited = quota is None
    count = f"{quota:,}" if quota is not None else ""
    match kind:
        case AllowanceKind.FAMILY_MEMBERS:
            return "Family members without limit" if unlimited else f"Up to {count} family members"
        case AllowanceKind.CORPUS_MB:
            return (
                "Your writing kept, without limit"
                if unlimited
                else f"Up to {_size(quota or 0)} of your writing kept"
            )
        case AllowanceKind.PREVIEW_MESSAGES:
            return (
                "Talk with your own twin as much as you like while you shape it"
                if unlimited
                else f"{count} messages a month with your own twin while you shape it"
            )
        case AllowanceKind.FAMILY_MESSAGES:
            return (
                "Your family talks with your twin by text, without limit"
                if unlimited
                else f"Your family talks with your twin by text: {count} messages a month"
            )
        case AllowanceKind.VOICE_MINUTES:
            return (
                "Spoken conversations without limit"
                if unlimited
                else f"Spoken conversations: {count} minutes a month"
            )
        case AllowanceKind.VOICE_CLONE:
            return "Your twin speaks in your own voice"
    return ""


@dataclass(frozen=True)
class Offer:
    price_id: int
    interval: str
    amount: str  # "$99"
    per: str  # "a year"
    note: str = ""  # "two months free"


@dataclass(frozen=True)
class PlanCard:
    code: str
    name: str
    summary: str
    firm: bool
    includes: list[str]
    offers: list[Offer]


def _yearly_note(month: Price | None, year: Price | None) -> str:
    """What paying yearly saves, in months ("2 months free", "about 2 months free")."""
    if month is None or year is None or not month.amount_minor:
        return ""
    exact = 12 - year.amount_minor / month.amount_minor
    months = round(exact)
    if months < 1:
        return ""
    about = "" if abs(exact - months) < 0.01 else "about "
    return f"{about}{months} month{'s' if months > 1 else ''} free"


def pricing_plans() -> list[PlanCard]:
    """Every public, active plan in order, with its active prices in this server's currency
    (yearly first) and its allowances in words. Three queries whatever the number of plans."""
    currency = settings.BILLING_CURRENCY
    plans = Plan.objects.filter(public=True, active=True).prefetch_related(
        Prefetch("allowances", queryset=PlanAllowance.objects.all()),
        Prefetch("prices", queryset=Price.objects.filter(active=True, currency=currency)),
    )
    order = {kind: i for i, kind in enumerate(AllowanceKind.values)}
    cards = []
    for plan in plans:
        prices = {p.interval: p for p in plan.prices.all()}
        allowances = sorted(plan.allowances.all(), key=lambda a: order.get(a.kind, 99))
        per_seat = " per client" if plan.audience == PlanAudience.FIRM else ""
        offers = [
            Offer(
                price_id=price.pk,
                interval=interval,
                amount=money(price.amount_minor, price.currency),
                per=f"a {'year' if interval == PriceInterval.YEAR else 'month'}{per_seat}",
                note=_yearly_note(prices.get(PriceInterval.MONTH), price)
                if interval == PriceInterval.YEAR
                else "",
            )
            for interval in (PriceInterval.YEAR, PriceInterval.MONTH)
            if (price := prices.get(interval)) is not None
        ]
        includes = [w for a in allowances if (w := allowance_words(a.kind, a.quota))]
        cards.append(
            PlanCard(
                code=plan.code,
                name=plan.name,
                summary=plan.summary,
                firm=plan.audience == PlanAudience.FIRM,
                includes=includes,
                offers=offers,
            )
        )
    return cards


def memberships_payable(*, user: User) -> list[Membership]:
    """The memberships through which `user` may choose a plan now (`checkout_payer_check`)."""
    if not user.is_authenticated:
        return []
    found = (
        Membership.objects.select_related("memorial")
        .filter(user=user)
        .exclude(memorial__state__in=[MemorialState.ERASED, MemorialState.CLOSED])
        .order_by("memorial__created_at")
    )
    payable = []
    for membership in found:
        try:
            checkout_payer_check(membership=membership)
        except CheckoutRefused:
            continue
        payable.append(membership)
    return payable
