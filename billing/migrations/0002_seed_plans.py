"""The plans Legacy starts with (staff edit them in the admin afterwards). Amounts are in minor
units of the currency setting at the time this ran (`LEGACY_CURRENCY`, usd by default).
Quotas: None is unlimited; a kind not listed is not included."""

from django.conf import settings
from django.db import migrations

PLANS = [
    {
        "code": "free",
        "name": "Free",
        "summary": "Keep and export your writing, see your portrait, and try your twin a little "
        "each month.",
        "audience": "personal",
        "position": 0,
        "prices": {},
        "allowances": {
            "family_members": 2,
            "corpus_mb": 200,
            "preview_messages": 30,
            "family_messages": 0,
            "voice_minutes": 0,
            "voice_clone": 0,
        },
    },
    {
        "code": "preserve",
        "name": "Preserve",
        "summary": "Your twin, by text, for the family you choose.",
        "audience": "personal",
        "position": 10,
        "prices": {"month": 990, "year": 9900},
        "allowances": {
            "family_members": 10,
            "corpus_mb": 2000,
            "preview_messages": 500,
            "family_messages": 1000,
            "voice_minutes": 0,
            "voice_clone": 0,
        },
    },
    {
        "code": "interactive",
        "name": "Interactive",
        "summary": "Your twin in your own voice: spoken conversations, generous fair use, "
        "more family.",
        "audience": "personal",
        "position": 20,
        "prices": {"month": 9900, "year": 99900},
        "allowances": {
            "family_members": 30,
            "corpus_mb": 10000,
            "preview_messages": None,
            "family_messages": 10000,
            "voice_minutes": 600,
            "voice_clone": 1,
        },
    },
    {
        "code": "firm-client",
        "name": "Firm client",
        "summary": "For estate-planning firms: each client's memorial with the twin by text, "
        "billed per client seat.",
        "audience": "firm",
        "position": 30,
        "prices": {"month": 900, "year": 9000},
        "allowances": {
            "family_members": 10,
            "corpus_mb": 2000,
            "preview_messages": 500,
            "family_messages": 1000,
            "voice_minutes": 0,
            "voice_clone": 0,
        },
    },
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    PlanAllowance = apps.get_model("billing", "PlanAllowance")
    Price = apps.get_model("billing", "Price")
    currency = getattr(settings, "BILLING_CURRENCY", "usd")
    for spec in PLANS:
        plan, _ = Plan.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "summary": spec["summary"],
                "audience": spec["audience"],
                "position": spec["position"],
            },
        )
        for kind, quota in spec["allowances"].items():
            PlanAllowance.objects.get_or_create(plan=plan, kind=kind, defaults={"quota": quota})
        for interval, amount in spec["prices"].items():
            Price.objects.get_or_create(
                plan=plan,
                interval=interval,
                currency=currency,
                active=True,
                defaults={"amount_minor": amount},
            )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_plans_and_subscriptions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
