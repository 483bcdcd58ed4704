"""What PostgreSQL itself guarantees: append-only ledgers, and postings racing for one item."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from ledger.selectors import trial_balance
from mfgcost.core.errors import BusinessError
from mfgcost.inventory import services
from mfgcost.inventory.models import InventoryPosting, ItemLedgerEntry, ValueEntry

from .support import assert_reconciled, march

D = Decimal
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_value_and_item_entries_are_append_only(post, make_item):
    steel = make_item()
    receipt = post.receipt(steel, "10", "10.00")
    value = ValueEntry.objects.get(item_ledger_entry=receipt)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ValueEntry.objects.filter(pk=value.pk).update(cost_amount_expected=D("1.00"))
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ItemLedgerEntry.objects.filter(pk=receipt.pk).update(quantity=D("11"))
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM inventory_valueentry WHERE id = %s", [value.pk])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM inventory_itemledgerentry WHERE id = %s", [receipt.pk])

    # Only the remaining quantity may change (applications consume it).
    ItemLedgerEntry.objects.filter(pk=receipt.pk).update(remaining_quantity=D("4"))
    receipt.refresh_from_db()
    assert (receipt.quantity, receipt.remaining_quantity) == (D("10"), D("4"))
    value.refresh_from_db()
    assert value.cost_amount_expected == D("100.00")


def race(*calls):
    """Run each call in its own thread (its own database connection) at the same moment."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_connections_taking_the_last_ten_units(post, make_item, company):
    steel = make_item()
    post.receipt(steel, "4", "10.00", day=2)
    post.receipt(steel, "6", "10.50", day=3)  # 10 units worth 103.00

    def take(key):
        return lambda: services.sale_post(
            item=steel,
            location=company.main,
            quantity=D("10"),
            posting_date=march(4),
            source_key=key,
        )

    outcomes = race(take("race:a"), take("race:b"))

    posted = [o for o in outcomes if isinstance(o, services.PostingResult)]
    refused = [o for o in outcomes if isinstance(o, BusinessError)]
    assert len(posted) == 1 and len(refused) == 1, outcomes
    assert refused[0].field == "quantity"
    assert refused[0].code == "insufficient_stock"
    assert not ItemLedgerEntry.objects.filter(remaining_quantity__lt=0).exists()
    assert InventoryPosting.objects.filter(kind="sale").count() == 1
    assert post.stock(steel) == (D("0"), D("0.00"))
    assert post.balance("5000") == D("103.00")
    assert post.balance("1300") == D("0.00")
    rows = trial_balance()
    assert sum((r.balance for r in rows), D("0")) == D("0")
    assert_reconciled()


def test_the_same_source_key_racing_posts_once(post, make_item, company):
    steel = make_item()

    def receive():
        return services.purchase_receipt_post(
            item=steel,
            location=company.main,
            quantity=D("5"),
            unit_cost=D("2.00"),
            posting_date=march(2),
            source_key="race:receipt",
        )

    outcomes = race(receive, receive)

    assert all(isinstance(o, services.PostingResult) for o in outcomes), outcomes
    assert sorted(o.created for o in outcomes) == [False, True]
    assert ItemLedgerEntry.objects.count() == 1
    assert post.balance("1300") == D("10.00")
