"""Staff edit plans (their allowances and prices inline), see subscriptions and act on them
through the services (mark a manual subscription paid, extend its period, refund), and read
the payment provider's webhook events. Every action is audited by its service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.http import AuthenticatedHttpRequest
from billing.models import AllowanceNotice, Plan, PlanAllowance, Price, Subscription, WebhookEvent
from billing.providers import PaymentError
from billing.services import (
    subscription_extend,
    subscription_mark_paid,
    subscription_plan_request_apply,
    subscription_refund,
    subscription_refund_record,
)


class PlanAllowanceInline(admin.TabularInline):
    model = PlanAllowance
    extra = 0
    fields = ["kind", "quota"]


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0
    fields = ["interval", "amount_minor", "currency", "provider_price_id", "active"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "audience", "public", "active", "position"]
    list_filter = ["audience", "public", "active"]
    inlines = [PlanAllowanceInline, PriceInline]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Status, plan and periods change through the services (the actions here, the
    provider's webhooks), so each change is audited and the family told."""

    list_display = [
        "memorial",
        "plan",
        "status",
        "provider",
        "payer",
        "period_end",
        "grace_until",
        "lapsed_at",
        "requested_price",
    ]
    list_filter = ["status", "provider", "plan"]
    readonly_fields = [
        "memorial",
        "plan",
        "price",
        "status",
        "payer",
        "provider",
        "provider_customer_id",
        "provider_subscription_id",
        "period_start",
        "period_end",
        "cancel_at_period_end",
        "grace_until",
        "lapsed_at",
        "requested_price",
        "requested_at",
        "quantity",
        "created_at",
        "updated_at",
    ]
    actions = [
        "apply_requested_plan",
        "mark_paid_year",
        "mark_paid_month",
        "extend_30_days",
        "refund_last_payment",
        "record_outside_refund",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by checkout (billing's provider), never by hand

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # money never deletes anything

    @admin.action(description="Apply the requested larger plan (its payment arranged)")
    def apply_requested_plan(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Subscription]
    ) -> None:
        applied = 0
        for subscription in queryset.select_related("plan"):
            if subscription_plan_request_apply(subscription=subscription, actor=request.user):
                applied += 1
            else:
                messages.warning(request, f"{subscription}: no larger plan was requested.")
        if applied:
            messages.success(request, f"{applied} moved to the plan they asked for.")

    @admin.action(description="Mark paid for a year (manual payments)")
    def mark_paid_year(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Subscription]
    ) -> None:
        self._mark_paid(request, queryset, days=365)

    @admin.action(description="Mark paid for a month (manual payments)")
    def mark_paid_month(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Subscription]
    ) -> None:
        self._mark_paid(request, queryset, days=31)

    def _mark_paid(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Subscription], *, days: int
    ) -> None:
        done = 0
        for subscription in queryset.select_related("plan"):
            if subscription.provider != "manual":
                messages.warning(
                    request, f"{subscription}: paid through {subscription.provider}, not by hand."
                )
                continue
            subscription_mark_paid(subscription=subscription, actor=request.user, period_days=days)
            done += 1
        if done:
            messages.success(request, f"{done} marked paid for {days} days.")

    @admin.action(description="Extend the paid period by 30 days")
    def extend_30_days(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Subscription]
    ) -> None:
        for subscription in queryset.select_related("plan"):
            subscription_extend(subscription=subscription, actor=request.user, days=30)
        messages.success(request, f"{queryset.count()} extended by 30 days.")

    @admin.action(description="Refund the last payment")
    def refund_last_payment(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Subscription]
    ) -> None:
        for subscription in queryset.select_related("plan"):
            try:
                subscription_refund(subscription=subscription, actor=request.user)
            except PaymentError as error:
                messages.error(request, f"{subscription}: {error}")
            else:
                messages.success(request, f"{subscription}: refunded.")

    @admin.action(description="Record a refund made outside Legacy")
    def record_outside_refund(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Subscription]
    ) -> None:
        for subscription in queryset.select_related("plan"):
            subscription_refund_record(subscription=subscription, actor=request.user)
        messages.success(request, f"{queryset.count()}: refund recorded in the audit log.")


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "kind", "provider", "received_at", "processed_at", "attempts"]
    list_filter = ["provider", "kind"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AllowanceNotice)
class AllowanceNoticeAdmin(admin.ModelAdmin):
    list_display = ["memorial", "kind", "period", "level", "created_at"]
    list_filter = ["kind", "level"]
