"""The kernel takes over the consent app's data key, audit log and tracked tasks.

The tables are renamed, not copied, so every key, event and task stays as it was. Their
links to memorials and people become plain ids: the kernel stands below `memorials`.
The audit event loses its link to the person (`actor_ref` and `actor_label`, which the hash
covers, already say who), so nothing ever has to update an event: the append-only trigger
now refuses every UPDATE and DELETE.
"""

from django.db import migrations, models

DROP_FOREIGN_KEYS = """
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conrelid::regclass AS tab, conname FROM pg_constraint
             WHERE contype = 'f' AND conrelid IN ('core_memorialkey'::regclass,
                                                  'core_trackedtask'::regclass) LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tab, c.conname);
    END LOOP;
END
$$;
"""

FORWARD = """
ALTER TABLE consent_memorialkey RENAME TO core_memorialkey;
ALTER TABLE consent_consentboundtask RENAME TO core_trackedtask;
ALTER INDEX consent_task_memorial_scope RENAME TO core_task_memorial_scope;
ALTER TABLE core_trackedtask ADD COLUMN kwargs jsonb NOT NULL DEFAULT '{}';
ALTER TABLE core_trackedtask ALTER COLUMN kwargs DROP DEFAULT;
""" + DROP_FOREIGN_KEYS + """
ALTER TABLE consent_auditevent RENAME TO core_auditevent;
DROP TRIGGER consent_auditevent_append_only ON core_auditevent;
DROP FUNCTION consent_auditevent_refuse_change();
ALTER TABLE core_auditevent DROP COLUMN actor_id;
CREATE FUNCTION core_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER core_auditevent_append_only
BEFORE UPDATE OR DELETE ON core_auditevent
FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse_change();
"""

BACKWARD = """
DROP TRIGGER core_auditevent_append_only ON core_auditevent;
DROP FUNCTION core_auditevent_refuse_change();
ALTER TABLE core_auditevent ADD COLUMN actor_id bigint NULL;
ALTER TABLE core_auditevent RENAME TO consent_auditevent;
CREATE FUNCTION consent_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER consent_auditevent_append_only
BEFORE UPDATE OR DELETE ON consent_auditevent
FOR EACH ROW EXECUTE FUNCTION consent_auditevent_refuse_change();
ALTER TABLE core_trackedtask DROP COLUMN kwargs;
ALTER INDEX core_task_memorial_scope RENAME TO consent_task_memorial_scope;
ALTER TABLE core_trackedtask RENAME TO consent_consentboundtask;
ALTER TABLE core_memorialkey RENAME TO consent_memorialkey;
"""

SCOPES = [
    ("corpus", "Your writing"),
    ("voice", "Your voice"),
    ("conversation_living", "Conversations while you live"),
    ("conversation_posthumous", "Conversations after your death"),
    ("commercial", "Commercial use"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [("consent", "0006_erasurecertificate")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.CreateModel(
                    name="MemorialKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("memorial_id", models.UUIDField(unique=True)),
                        ("wrapped_key", models.BinaryField(null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("destroyed_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={"ordering": ["created_at"]},
                ),
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("memorial_ref", models.CharField(blank=True, db_index=True, max_length=64)),
                        ("actor_ref", models.CharField(blank=True, max_length=64)),
                        ("actor_label", models.CharField(blank=True, max_length=200)),
                        ("action", models.CharField(max_length=64)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField()),
                        ("previous_hash", models.CharField(max_length=64)),
                        ("hash", models.CharField(max_length=64, unique=True)),
                    ],
                    options={"ordering": ["id"]},
                ),
                migrations.CreateModel(
                    name="TrackedTask",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("memorial_id", models.UUIDField()),
                        ("scope", models.CharField(choices=SCOPES, max_length=32)),
                        ("task_id", models.CharField(max_length=64, unique=True)),
                        ("task_name", models.CharField(max_length=200)),
                        ("kwargs", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "ordering": ["created_at"],
                        "indexes": [models.Index(fields=["memorial_id", "scope"], name="core_task_memorial_scope")],
                    },
                ),
            ],
        ),
    ]
