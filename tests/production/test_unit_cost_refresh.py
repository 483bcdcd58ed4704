"""Every posting that moves a FIFO or average item's stock refreshes its current unit cost."""

import datetime as dt
from decimal import Decimal

import pytest

from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.production.services import production_consumption_post

from .conftest import POST_DAY

D = Decimal
pytestmark = pytest.mark.django_db


def test_fifo_unit_cost_after_an_order_consumes_the_oldest_layer(bracket):
    # The bracket fixture received 30 kg steel at 5.20 on 1 March (the oldest layer). A second
    # layer of 10 kg at 6.10 comes in; the current unit cost is the stock's value / quantity:
    # (30 x 5.20 + 10 x 6.10) / 40 = (156.00 + 61.00) / 40 = 5.425.
    purchase_receipt_post(
        item=bracket.steel,
        location=bracket.company.main,
        quantity=D("10"),
        unit_cost=D("6.10"),
        posting_date=dt.date(2026, 3, 2),
        source_key="test:steel:receipt-2",
    )
    bracket.steel.refresh_from_db()
    assert bracket.steel.unit_cost == D("5.425000")

    order = bracket.released(quantity="15")
    production_consumption_post(
        order=order,
        item=bracket.steel,
        quantity=D("30"),
        posting_date=POST_DAY,
        source_key="test:PO-1:steel",
    )

    # FIFO takes the whole first layer (30 kg at 5.20); what is left is the second layer, so
    # the item's unit cost is that layer's: 61.00 / 10 = 6.10.
    bracket.steel.refresh_from_db()
    assert bracket.steel.unit_cost == D("6.100000")
