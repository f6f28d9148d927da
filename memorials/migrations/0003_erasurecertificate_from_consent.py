"""Erasure now lives with the memorial's lifecycle: its certificate table moves here from
the consent app, renamed, every certificate kept."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("memorials", "0002_wishes_activation"),
        ("consent", "0006_erasurecertificate"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE consent_erasurecertificate RENAME TO memorials_erasurecertificate",
                    "ALTER TABLE memorials_erasurecertificate RENAME TO consent_erasurecertificate",
                )
            ],
            state_operations=[
                migrations.CreateModel(
                    name="ErasureCertificate",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("body", models.JSONField()),
                        ("signature", models.CharField(max_length=200)),
                        ("public_key", models.CharField(max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("erased_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="erasure_certificates", to=settings.AUTH_USER_MODEL)),
                        ("memorial", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="erasure_certificate", to="memorials.memorial")),
                    ],
                    options={"ordering": ["-created_at"]},
                ),
            ],
        ),
    ]
