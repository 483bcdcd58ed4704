"""Adjust Cost keeps zero quantity at zero value: the rounding entry a posting made when it
emptied a location is not undone when a cost is forwarded later.

FIFO steel at MAIN: R1 3 kg for 10.00 and R2 1 kg for 1.00. Three sales of 1 kg take R1 at
10.00 / 3 = 3.33 each (R1 keeps its 0.01 while MAIN still has R2); a transfer of the last kg
to EAST takes R2 at 1.00 and empties MAIN, so it gets a rounding entry of -0.01
(10.00 + 1.00 - 3 x 3.33 - 1.00 = 0.01 was left). An invoice on R1 at 3.333333/kg keeps R1 at
10.00, yet marks it: Adjust Cost gives R1's last application (the third sale) its remainder,
3.34. That moves 0.01 out of MAIN a second time, unless the residue is cleared again.
"""

from decimal import Decimal

import pytest

from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.selectors import inventory_valuation, reconciliation

D = Decimal
pytestmark = pytest.mark.django_db


def stock():
    return {
        (row["item"], row["location"]): (row["quantity"], row["value"])
        for row in inventory_valuation(include_empty=True)
    }


def test_adjust_cost_leaves_no_value_on_an_emptied_location(post, make_item, east):
    steel = make_item(number="STEEL")
    r1 = post.receipt(steel, "3", "3.333333", day=1)  # 10.00
    post.receipt(steel, "1", "1.00", day=1)
    sales = [post.sale(steel, "1", day=2) for _ in range(3)]  # 3.33 each
    post.transfer(steel, "1", east, day=3)  # 1.00 and rounding -0.01: MAIN empty at 0.00
    assert stock()[("STEEL", "MAIN")] == (D("0"), D("0.00"))
    post.invoice(r1, "3", "3.333333", day=4)  # R1 still 10.00

    result = adjust_cost_run()

    assert not result.errors
    # The third sale now carries R1's remainder: 10.00 - 3.33 - 3.33 = 3.34.
    from tests.scenarios.support import entry_value

    assert [entry_value(s) for s in sales] == [D("-3.33"), D("-3.33"), D("-3.34")]
    # MAIN: 10.00 + 1.00 - 3.33 - 3.33 - 3.34 - 1.00 = 0.00 once the transfer's rounding of
    # -0.01 is taken back (+0.01): zero quantity, zero value.
    assert stock()[("STEEL", "MAIN")] == (D("0"), D("0.00"))
    assert stock()[("STEEL", "EAST")] == (D("1"), D("1.00"))
    assert all(row["difference"] == 0 for row in reconciliation())
    assert adjust_cost_run().posted_nothing


def test_a_cost_forwarded_later_leaves_no_cent_on_the_emptied_location(post, make_item, east):
    """As above, but Adjust Cost has run once after the receipts, so only R1 is marked when
    the invoice comes: the transfer is not looked at again, and its rounding of -0.01 would
    stay next to the third sale's new 3.34, leaving -0.01 at MAIN with no quantity."""
    steel = make_item(number="STEEL")
    r1 = post.receipt(steel, "3", "3.333333", day=1)  # 10.00
    post.receipt(steel, "1", "1.00", day=1)
    adjust_cost_run()  # nothing went out yet: the receipts' marks are worked off
    for _ in range(3):
        post.sale(steel, "1", day=2)  # 3.33 each
    post.transfer(steel, "1", east, day=3)  # 1.00, rounding -0.01 at MAIN
    assert stock()[("STEEL", "MAIN")] == (D("0"), D("0.00"))

    post.invoice(r1, "3", "3.333333", day=5)
    result = adjust_cost_run()

    assert not result.errors and result.items == [steel.pk]
    # The third sale takes R1's remainder (-0.01 more); MAIN's residue of -0.01 goes back as
    # a rounding adjustment (+0.01) on the latest outbound entry there, the transfer.
    assert stock()[("STEEL", "MAIN")] == (D("0"), D("0.00"))
    assert stock()[("STEEL", "EAST")] == (D("1"), D("1.00"))
    assert all(row["difference"] == 0 for row in reconciliation())
    assert adjust_cost_run().posted_nothing
