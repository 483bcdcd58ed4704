"""Database-enforced ledger rules (PostgreSQL) and the standard journals.

* A deferred constraint trigger checks at commit that every journal entry touched in the
  transaction has lines and balances (debits = credits).
* Journal entries and lines are append-only: UPDATE and DELETE are refused.
"""

from django.db import migrations

from mfgcost.core.db import append_only_trigger, postgresql_sql

BALANCE_CHECK = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry bigint;
    lines integer;
    diff numeric;
BEGIN
    IF TG_TABLE_NAME = 'ledger_journalentry' THEN
        entry := NEW.id;
    ELSE
        entry := NEW.entry_id;
    END IF;
    SELECT count(*), coalesce(sum(debit - credit), 0) INTO lines, diff
      FROM ledger_journalline WHERE entry_id = entry;
    IF lines = 0 THEN
        RAISE EXCEPTION 'journal entry % has no lines', entry
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF diff <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits - credits = %', entry, diff
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entry_balanced_line
    AFTER INSERT ON ledger_journalline DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
CREATE CONSTRAINT TRIGGER ledger_entry_balanced_entry
    AFTER INSERT ON ledger_journalentry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
"""
BALANCE_CHECK_REVERSE = """
DROP TRIGGER IF EXISTS ledger_entry_balanced_line ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_entry_balanced_entry ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
"""

JOURNALS = [
    ("GEN", "General journal"),
    ("INV", "Inventory postings"),
    ("PROD", "Production postings"),
    ("SUB", "Subcontracting postings"),
    ("COST", "Cost adjustments and revaluations"),
]


def create_journals(apps, schema_editor):
    Journal = apps.get_model("ledger", "Journal")
    for code, name in JOURNALS:
        Journal.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        postgresql_sql(BALANCE_CHECK, BALANCE_CHECK_REVERSE),
        postgresql_sql(*append_only_trigger("ledger_journalentry")),
        postgresql_sql(*append_only_trigger("ledger_journalline")),
        migrations.RunPython(create_journals, migrations.RunPython.noop),
    ]
