"""Shipments, receipts and standard-cost activation lock in the one order of every posting.

``mfgcost.inventory.locks``: the period (a shared advisory lock), then the document, then the
items. Two services that take the same locks in different orders can deadlock each other (a
receipt holding the items and waiting for the order, a shipment holding the order and waiting
for the items), so each test reads the statements a service sends and checks their order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mfgcost.items.models import CostingVersion, StandardCost
from mfgcost.items.services import standard_cost_activate
from subcontracting import services
from subcontracting.models import SubcontractingOrder

D = Decimal
DAY = dt.date(2026, 3, 4)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def lock_sequence(queries) -> list[str]:
    """What each locking statement locks, in the order they were sent."""
    sequence = []
    for query in queries:
        sql = query["sql"]
        if "pg_advisory_xact_lock_shared" in sql:
            sequence.append("period")
        elif "FOR UPDATE" in sql:
            table = sql.split(" FROM ", 1)[1].split()[0].strip('"')
            sequence.append(table)
    return sequence


def first_of(sequence: list[str], name: str) -> int:
    return sequence.index(name)


@pytest.fixture
def sent(gear):
    production = gear.released("PO-1", "100")
    order = services.subcontracting_order_send(
        order=SubcontractingOrder.objects.get(lines__production_order=production)
    )
    return order, order.lines.get(), production.components.get(item=gear.powder)


def test_a_shipment_locks_the_period_then_the_order_then_the_items(gear, sent):
    order, line, powder = sent
    with CaptureQueriesContext(connection) as queries:
        services.material_shipment_post(
            order=order,
            direction="shipment",
            warehouse=gear.company.main,
            lines=[services.MaterialLineDraft(order_line=line, component=powder, quantity=D("11"))],
            posting_date=DAY,
            source_key="ship-1",
        )
    sequence = lock_sequence(queries.captured_queries)
    assert first_of(sequence, "period") < first_of(sequence, "subcontracting_subcontractingorder")
    assert first_of(sequence, "subcontracting_subcontractingorder") < first_of(
        sequence, "items_item"
    )


def test_a_receipt_locks_the_period_then_the_order_and_line_then_the_items(gear, sent):
    order, line, powder = sent
    services.material_shipment_post(
        order=order,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[services.MaterialLineDraft(order_line=line, component=powder, quantity=D("11"))],
        posting_date=DAY,
        source_key="ship-1",
    )
    with CaptureQueriesContext(connection) as queries:
        services.subcontracting_receipt_post(
            order_line=line, posting_date=DAY, source_key="r-1", good_quantity=D("60")
        )
    sequence = lock_sequence(queries.captured_queries)
    order_at = first_of(sequence, "subcontracting_subcontractingorder")
    assert first_of(sequence, "period") < order_at
    assert order_at < first_of(sequence, "subcontracting_subcontractingorderline")
    assert first_of(sequence, "subcontracting_subcontractingorderline") < first_of(
        sequence, "items_item"
    )
    # The order is not locked again after the items (the old order: items, then order).
    assert sequence.count("subcontracting_subcontractingorder") == 1


def test_activation_locks_the_period_then_the_records_then_the_items(gear):
    version = CostingVersion.objects.create(code="NEXT", name="Next", version_type="standard")
    new = StandardCost.objects.create(
        version=version,
        item=gear.powder,  # a standard-cost item with stock: its stock is revalued
        activation_date=DAY,
        status=StandardCost.Status.PENDING,
        unit_cost=gear.powder.standard_cost + D("1"),
        lot_size=D("1"),
    )
    with CaptureQueriesContext(connection) as queries:
        standard_cost_activate(standard_costs=[new], posting_date=DAY)
    sequence = lock_sequence(queries.captured_queries)
    assert first_of(sequence, "period") < first_of(sequence, "items_standardcost")
    assert first_of(sequence, "items_standardcost") < first_of(sequence, "items_item")
