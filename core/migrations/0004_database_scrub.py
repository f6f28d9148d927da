"""After an erasure, what the database keeps beside the rows: the planner's statistics
(pg_stats holds sample values of every column) are recomputed, and cleared for tables left
empty (ANALYZE keeps an empty table's old ones), and, where the owner may, a
checkpoint and a WAL switch move the erased rows' last images out of the current WAL.
`core.database.database_scrub` calls it; it runs as the owner (SECURITY DEFINER), as the app
may not ANALYZE tables it does not own. It says what it could do."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION core_database_scrub() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    checkpointed boolean := false;
    switched boolean := false;
    stale record;
    empty boolean;
BEGIN
    ANALYZE;
    -- ANALYZE leaves an empty table's statistics as they were: clear those by hand.
    FOR stale IN
        SELECT DISTINCT s.schemaname, s.tablename, s.attname, s.inherited
        FROM pg_stats AS s WHERE s.schemaname = 'public'
    LOOP
        EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I.%I)', stale.schemaname,
                       stale.tablename) INTO empty;
        IF empty THEN
            PERFORM pg_clear_attribute_stats(stale.schemaname::text, stale.tablename::text,
                                             stale.attname::text, stale.inherited);
        END IF;
    END LOOP;
    BEGIN
        CHECKPOINT;
        checkpointed := true;
    EXCEPTION WHEN insufficient_privilege THEN
        checkpointed := false;
    END;
    BEGIN
        PERFORM pg_switch_wal();
        switched := true;
    EXCEPTION WHEN insufficient_privilege OR object_not_in_prerequisite_state THEN
        switched := false;
    END;
    RETURN jsonb_build_object(
        'statistics_recomputed', true,
        'checkpoint', checkpointed,
        'wal_switched', switched
    );
END
$$;
REVOKE ALL ON FUNCTION core_database_scrub() FROM PUBLIC;
"""

BACKWARD = "DROP FUNCTION IF EXISTS core_database_scrub();"


class Migration(migrations.Migration):
    dependencies = [("core", "0003_outbound_mail")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
