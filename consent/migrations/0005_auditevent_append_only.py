"""The audit log is append-only in the database too: UPDATE and DELETE are refused.

One change is let through: a deleted person's events lose their `actor` link
(ON DELETE SET NULL), and nothing else on the row may change with it. The hash covers
`actor_ref`, not the link, so the chain still verifies. Tests that tamper on purpose
disable the trigger (ALTER TABLE ... DISABLE TRIGGER) inside their own transaction."""

from django.db import migrations

CREATE = """
CREATE FUNCTION consent_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;  -- the actor was deleted: only the link goes
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER consent_auditevent_append_only
BEFORE UPDATE OR DELETE ON consent_auditevent
FOR EACH ROW EXECUTE FUNCTION consent_auditevent_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS consent_auditevent_append_only ON consent_auditevent;
DROP FUNCTION IF EXISTS consent_auditevent_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("consent", "0004_auditevent_actor_ref_backfill")]

    operations = [migrations.RunSQL(CREATE, DROP)]
