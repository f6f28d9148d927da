"""The seeded plans' summaries, in words true for whoever reads them: the person preserving
themselves, and a son or daughter keeping their mother's memorial going ("your twin" read
wrongly to the family). Only a summary still as seeded is changed: staff edits are kept."""

from django.db import migrations

SUMMARIES = {
    "free": (
        "Keep and export your writing, see your portrait, and try your twin a little each month.",
        "Keep and export the writing, see the portrait, and try the twin a little each month.",
    ),
    "preserve": (
        "Your twin, by text, for the family you choose.",
        "The twin, by text, for the family members chosen to talk with it.",
    ),
    "interactive": (
        "Your twin in your own voice: spoken conversations, generous fair use, more family.",
        "The twin in the person's own voice: spoken conversations, generous fair use, more family.",
    ),
}


def forward(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, (seeded, worded) in SUMMARIES.items():
        Plan.objects.filter(code=code, summary=seeded).update(summary=worded)


def backward(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, (seeded, worded) in SUMMARIES.items():
        Plan.objects.filter(code=code, summary=worded).update(summary=seeded)


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_plans_requested_price")]

    operations = [migrations.RunPython(forward, backward)]
