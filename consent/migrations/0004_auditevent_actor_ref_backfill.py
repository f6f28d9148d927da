"""Copy each existing audit event's actor id into `actor_ref`, which the hash now covers.

The hash always covered str(actor_id); `actor_ref` keeps that value when the actor is later
deleted (actor becomes NULL), so existing chains verify unchanged."""

from django.db import migrations


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE consent_auditevent SET actor_ref = actor_id::text "
            "WHERE actor_id IS NOT NULL AND actor_ref = ''"
        )


class Migration(migrations.Migration):
    dependencies = [("consent", "0003_consent_documents_v1")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
