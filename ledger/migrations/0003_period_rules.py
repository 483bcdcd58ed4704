"""The period rules, enforced by PostgreSQL as well as by ``journal_entry_post``.

* A journal entry is refused when its period is closed or its posting date lies outside it.
* Lines can be added to an entry only in the transaction that inserted it: an entry that was
  committed is complete. Each entry keeps the id of the transaction that inserted it in a
  column of the database only (``created_txid``, set by the trigger whatever is sent), and a
  line's trigger compares it with the current transaction's id. ``txid_current()`` is the
  top-level transaction's id inside savepoints too.
"""

from django.db import migrations

from mfgcost.core.db import postgresql_sql

PERIOD_RULES = """
ALTER TABLE ledger_journalentry ADD COLUMN created_txid bigint;

CREATE OR REPLACE FUNCTION ledger_check_entry_period() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    period record;
BEGIN
    SELECT name, status, start_date, end_date INTO period
      FROM ledger_period WHERE id = NEW.period_id;
    IF period.status IS DISTINCT FROM 'open' THEN
        RAISE EXCEPTION 'period % is closed: journal entry % refused', period.name, NEW.source_key
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.posting_date < period.start_date OR NEW.posting_date > period.end_date THEN
        RAISE EXCEPTION 'posting date % lies outside period % (% to %): journal entry % refused',
            NEW.posting_date, period.name, period.start_date, period.end_date, NEW.source_key
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    NEW.created_txid := txid_current();
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_entry_period BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_period();

CREATE OR REPLACE FUNCTION ledger_check_line_entry_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    inserted_by bigint;
BEGIN
    SELECT created_txid INTO inserted_by FROM ledger_journalentry WHERE id = NEW.entry_id;
    IF inserted_by IS DISTINCT FROM txid_current() THEN
        RAISE EXCEPTION 'journal entry % was committed in an earlier transaction: '
            'lines cannot be added to it (post a new entry)', NEW.entry_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_line_entry_open BEFORE INSERT ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_check_line_entry_open();
"""

PERIOD_RULES_REVERSE = """
DROP TRIGGER IF EXISTS ledger_line_entry_open ON ledger_journalline;
DROP FUNCTION IF EXISTS ledger_check_line_entry_open();
DROP TRIGGER IF EXISTS ledger_entry_period ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_check_entry_period();
ALTER TABLE ledger_journalentry DROP COLUMN IF EXISTS created_txid;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_invariants")]

    operations = [postgresql_sql(PERIOD_RULES, PERIOD_RULES_REVERSE)]
