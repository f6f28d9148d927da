"""The data key, audit log and tracked tasks moved to `core`, the erasure certificate to
`memorials` (their migrations rename the tables); here they leave this app's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0006_erasurecertificate"),
        ("core", "0001_initial"),
        ("memorials", "0003_erasurecertificate_from_consent"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AuditEvent"),
                migrations.DeleteModel(name="ConsentBoundTask"),
                migrations.DeleteModel(name="ErasureCertificate"),
                migrations.DeleteModel(name="MemorialKey"),
            ]
        ),
    ]
