"""The one place that says what a memorial may do now, and how much is left
(installed into the kernel as `core.allowances.allowance_check`).

The plan in effect: the memorial's subscription's plan while it is trialing, active or
past due within its grace period; otherwise the free plan (money never deletes anything, it
only pauses what the free plan does not include)."""

from __future__ import annotations

import uuid

from billing.models import FREE_PLAN, Plan, PlanAllowance
from core.allowances import Allowance

# SKELETON (lead): billing-core fills in `plan_effective` (subscription, grace) and the usage
# of each kind (conversations.UsageMonth for messages, spoken minutes, members, corpus size).


def plan_effective(memorial_id: uuid.UUID | str) -> Plan:
    return Plan.objects.get(code=FREE_PLAN)


class PlanAllowanceRules:
    def check(self, *, memorial_id: uuid.UUID | str, kind: str, amount: int = 1) -> Allowance:
        plan = plan_effective(memorial_id)
        row = PlanAllowance.objects.filter(plan=plan, kind=kind).first()
        quota = 0 if row is None else row.quota
        used = 0
        left = None if quota is None else max(quota - used, 0)
        allowed = left is None or left >= amount
        return Allowance(
            kind=kind, allowed=allowed, quota=quota, used=used, left=left, plan_name=plan.name
        )
