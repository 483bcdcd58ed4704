"""The Idempotency-Key store now belongs to the core; the table is kept (state only here)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_idempotency_key"),
        ("subcontracting", "0002_orders_receipts_invoices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyKey")],
            database_operations=[],
        ),
    ]
