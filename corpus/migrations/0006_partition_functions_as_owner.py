"""The app's role does not own corpus_passage, so it may not make, index or drop partitions
of it: three SECURITY DEFINER functions, owned by the owner that migrates, do it for the app
(`corpus.partitions` calls them; `manage.py migrate` grants the app EXECUTE on them).

`corpus_passage_partition_ensure` also stops two first uploads of a memorial racing: its
re-check after an advisory lock read a stale catalog and the second CREATE TABLE failed
with DuplicateTable. It now waits on a lock on corpus_passage itself: taking a relation lock
takes in the catalog changes committed meanwhile, so the re-check sees the first partition.
(SHARE UPDATE EXCLUSIVE is what the ATTACH takes anyway: reads and writes do not wait on it.)
"""

from django.db import migrations

PARTITION = "'corpus_passage_' || replace(memorial::text, '-', '')"

FORWARD = f"""
CREATE OR REPLACE FUNCTION corpus_passage_partition_ensure(memorial uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    name text := {PARTITION};
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    LOCK TABLE corpus_passage IN SHARE UPDATE EXCLUSIVE MODE;  -- two first uploads at once
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    -- Rows stay whole up to a page: by default a row over 2 kB has its embedding moved out to
    -- TOAST, and every exact distance or re-check then fetches it from there.
    EXECUTE format('CREATE TABLE %I (LIKE corpus_passage INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                   ' WITH (toast_tuple_target = 8160)', name);
    -- Proves to ATTACH that every row belongs here, so it does not scan the (empty) table.
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (memorial_id = %L)', name, name || '_memorial', memorial);
    EXECUTE format('ALTER TABLE corpus_passage ATTACH PARTITION %I FOR VALUES IN (%L)', name, memorial);
    RETURN name;
END
$$;

CREATE FUNCTION corpus_passage_vector_index_build(memorial uuid, m integer, ef_construction integer)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    name text := {PARTITION};
BEGIN
    IF to_regclass(name) IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING hnsw (embedding vector_cosine_ops)'
                   ' WITH (m = %s, ef_construction = %s)', name || '_hnsw', name, m, ef_construction);
    EXECUTE format('ANALYZE %I', name);
    RETURN true;
END
$$;

CREATE FUNCTION corpus_passage_partition_drop(memorial uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    name text := {PARTITION};
    has_rows boolean;
BEGIN
    IF to_regclass(name) IS NULL THEN
        RETURN true;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', name) INTO has_rows;
    IF has_rows THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TABLE %I', name);
    RETURN true;
END
$$;

REVOKE EXECUTE ON FUNCTION corpus_passage_partition_ensure(uuid) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION corpus_passage_vector_index_build(uuid, integer, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION corpus_passage_partition_drop(uuid) FROM PUBLIC;
"""

BACKWARD = f"""
DROP FUNCTION corpus_passage_partition_drop(uuid);
DROP FUNCTION corpus_passage_vector_index_build(uuid, integer, integer);
CREATE OR REPLACE FUNCTION corpus_passage_partition_ensure(memorial uuid) RETURNS text
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    name text := {PARTITION};
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(name));
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE corpus_passage INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                   ' WITH (toast_tuple_target = 8160)', name);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (memorial_id = %L)', name, name || '_memorial', memorial);
    EXECUTE format('ALTER TABLE corpus_passage ATTACH PARTITION %I FOR VALUES IN (%L)', name, memorial);
    RETURN name;
END
$$;
ALTER FUNCTION corpus_passage_partition_ensure(uuid) RESET search_path;
GRANT EXECUTE ON FUNCTION corpus_passage_partition_ensure(uuid) TO PUBLIC;
"""


class Migration(migrations.Migration):
    dependencies = [("corpus", "0005_passage_partitions")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
