"""The firm plan's seeded summary began "For estate-planning firms:", which its card on the
pricing page already says in its heading. Only a summary still as seeded is changed: staff
edits are kept."""

from django.db import migrations

SEEDED = (
    "For estate-planning firms: each client's memorial with the twin by text, "
    "billed per client seat."
)
WORDED = "Each client's memorial with the twin by text, billed per client seat."


def forward(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(code="firm-client", summary=SEEDED).update(summary=WORDED)


def backward(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(code="firm-client", summary=WORDED).update(summary=SEEDED)


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_plan_summaries_for_every_reader")]

    operations = [migrations.RunPython(forward, backward)]
