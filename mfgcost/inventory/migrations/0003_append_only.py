"""Inventory ledgers are append-only on PostgreSQL.

Only an item ledger entry's remaining quantity changes after insert (applications consume it),
and a posting record gets its journal entry once.
"""

from django.db import migrations

from mfgcost.core.db import append_only_trigger, postgresql_sql


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_initial")]

    operations = [
        postgresql_sql(
            *append_only_trigger("inventory_itemledgerentry", mutable_columns=("remaining_quantity",))
        ),
        postgresql_sql(*append_only_trigger("inventory_itemapplication")),
        postgresql_sql(*append_only_trigger("inventory_valueentry")),
        postgresql_sql(*append_only_trigger("inventory_capacityledgerentry")),
        postgresql_sql(
            *append_only_trigger("inventory_inventoryposting", mutable_columns=("journal_entry_id",))
        ),
    ]
