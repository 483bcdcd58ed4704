"""Database helpers for migrations."""

from django.db import migrations


def postgresql_sql(forward: str, reverse: str) -> migrations.RunPython:
    """A migration step that runs SQL only on PostgreSQL (SQLite keeps the Python checks)."""

    def run(sql: str):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                # A raw cursor without parameters: plpgsql's RAISE uses '%' placeholders.
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute(sql)

        return apply

    return migrations.RunPython(run(forward), run(reverse))


def append_only_trigger(table: str, *, mutable_columns: tuple[str, ...] = ()) -> tuple[str, str]:
    """SQL for a trigger that refuses DELETE, and UPDATE except of ``mutable_columns``.

    TRUNCATE is a statement-level operation and stays possible for test teardown.
    """
    function = f"{table}_append_only"
    if mutable_columns:
        allowed = ", ".join(f"'{c}'" for c in mutable_columns)
        names = ", ".join(mutable_columns)
        update_check = f"""
        IF TG_OP = 'UPDATE' THEN
            IF (to_jsonb(NEW) - ARRAY[{allowed}])
               IS DISTINCT FROM (to_jsonb(OLD) - ARRAY[{allowed}]) THEN
                RAISE EXCEPTION '% rows are append-only: only {names} may change',
                    TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END IF;"""
    else:
        update_check = ""
    forward = f"""
    CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN{update_check}
        RAISE EXCEPTION '% rows are append-only: % refused (post a reversal instead)',
            TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}();
    """
    reverse = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    return forward, reverse
