"""Plans, their prices and allowances (data, editable by staff), each memorial's subscription,
and the payment provider's webhook events (each processed once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.allowances import AllowanceKind

FREE_PLAN = "free"


class PlanAudience(models.TextChoices):
    PERSONAL = "personal", "A person and their family"
    FIRM = "firm", "Estate-planning firms (per client seat)"


class Plan(models.Model):
    """A tier. What it grants is its `allowances`; with no subscription a memorial is on the
    plan whose code is `free`."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    summary = models.CharField(max_length=300, blank=True)
    audience = models.CharField(
        max_length=16, choices=PlanAudience.choices, default=PlanAudience.PERSONAL
    )
    public = models.BooleanField(default=True, help_text="Shown on the pricing page.")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class PlanAllowance(models.Model):
    """What a plan grants of one kind. `quota` empty is unlimited; a kind a plan does not list
    is not included (quota 0). Features (a cloned voice) are 1 or 0."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="allowances")
    kind = models.CharField(max_length=32, choices=AllowanceKind.choices)
    quota = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="plan_allowance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code}: {self.kind} {'unlimited' if self.quota is None else self.quota}"


class PriceInterval(models.TextChoices):
    MONTH = "month", "Monthly"
    YEAR = "year", "Yearly"


class Price(models.Model):
    """What a plan costs per interval (per seat for firm plans), in minor units of `currency`.
    `provider_price_id` is the payment provider's id for it (Stripe's `price_...`)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    interval = models.CharField(max_length=8, choices=PriceInterval.choices)
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    provider_price_id = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["plan", "interval"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "interval", "currency"],
                condition=models.Q(active=True),
                name="price_active_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.interval} {self.amount_minor / 100:.2f} {self.currency}"


class SubscriptionStatus(models.TextChoices):
    """Mirrored from the payment provider (Stripe's names); `manual` subscriptions use the same."""

    TRIALING = "trialing", "Trial"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Payment overdue"
    CANCELED = "canceled", "Cancelled"
    UNPAID = "unpaid", "Unpaid"
    INCOMPLETE = "incomplete", "Waiting for the first payment"


class Subscription(models.Model):
    """A memorial's plan, and who pays for it. One per memorial. Money never deletes anything:
    when a payment fails the memorial keeps its plan until `grace_until`, then falls back to
    the free plan's allowances with all its data kept."""

    memorial = models.OneToOneField(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    price = models.ForeignKey(Price, on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.INCOMPLETE
    )
    quantity = models.PositiveIntegerField(default=1)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subscriptions_paid",
    )
    provider = models.CharField(max_length=16)  # "manual" or "stripe"
    provider_customer_id = models.CharField(max_length=100, blank=True)
    provider_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    grace_until = models.DateTimeField(null=True, blank=True)
    # When the grace after a failed payment ran out and the memorial fell back to the free
    # plan's allowances (`billing.services.subscription_grace_end`); cleared when it is paid.
    lapsed_at = models.DateTimeField(null=True, blank=True)
    # A larger plan the payer asked for under the offline `manual` provider: nothing changes
    # until staff have arranged the payment and apply it in the admin
    # (`billing.services.subscription_plan_request_apply`); cleared then.
    requested_price = models.ForeignKey(
        Price, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.plan.code} ({self.status}) for memorial {self.memorial_id}"


class WebhookEvent(models.Model):
    """One event from the payment provider, stored by its id so it is processed once: a replay
    finds the row and changes nothing. Only ids and types are kept, never card data."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.event_id}"


class AllowanceNotice(models.Model):
    """That the payer was told a memorial's allowance of one kind reached `level` percent
    in the period starting `period` (a calendar month): each is told once a period."""

    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="allowance_notices"
    )
    kind = models.CharField(max_length=32, choices=AllowanceKind.choices)
    period = models.DateField()
    level = models.PositiveSmallIntegerField()  # 80 or 100
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "kind", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "kind", "period", "level"], name="allowance_notice_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.level}% in {self.period:%Y-%m} for memorial {self.memorial_id}"
