"""Adjust Cost arithmetic on plain Decimals: shares, averages, allocation, dates, variances."""

import datetime as dt
from decimal import Decimal

from mfgcost.costing import variance
from mfgcost.costing.adjust import (
    Day,
    Outbound,
    OutputShare,
    PeriodSpan,
    PostingCalendar,
    allocate_output_cost,
    average_targets,
    inbound_shares,
)
from mfgcost.production.estimate import SurchargeRule

D = Decimal


def test_inbound_shares_keep_the_remainder_in_stock_until_it_is_gone():
    apps = [(1, D("1")), (2, D("1"))]
    assert inbound_shares(value=D("10.00"), remaining=D("1"), applications=apps) == {
        1: D("3.33"),
        2: D("3.33"),
    }
    apps.append((3, D("1")))
    assert inbound_shares(value=D("10.00"), remaining=D("0"), applications=apps) == {
        1: D("3.33"),
        2: D("3.33"),
        3: D("3.34"),
    }


def test_average_per_day_and_a_day_that_empties_the_stock():
    result = average_targets(
        opening_quantity=D("3"),
        opening_value=D("10.00"),
        days=[
            Day(date=dt.date(2026, 3, 2), outbound=[Outbound(1, D("1"), D("-3.00"))]),
            Day(
                date=dt.date(2026, 3, 3),
                inbound_quantity=D("1"),
                inbound_value=D("4.00"),
                outbound=[Outbound(2, D("2"), D("-6.00")), Outbound(3, D("1"), D("-3.00"))],
            ),
        ],
    )
    # Day 2: 10.00 / 3 = 3.33; day 3: (6.67 + 4.00) / 3 units, all gone: 10.67 shared 2:1.
    assert result.targets == {1: D("-3.33"), 2: D("-7.11"), 3: D("-3.56")}
    assert (result.closing_quantity, result.closing_value) == (D("0"), D("0.00"))


def test_average_leaves_negative_stock_days_alone():
    result = average_targets(
        opening_quantity=D("0"),
        opening_value=D("0"),
        days=[Day(date=dt.date(2026, 3, 2), outbound=[Outbound(1, D("2"), D("-20.00"))])],
    )
    assert result.targets == {1: D("-20.00")}
    assert result.closing_quantity == D("-2")


def test_output_cost_shared_by_co_products_and_by_products_fixed():
    actual = {1: D("100.00"), 2: D("50.00")}
    shares = [
        OutputShare(key=10, weight=D("80")),
        OutputShare(key=11, weight=D("20")),
        OutputShare(key=12, fixed_value=D("15.00")),
    ]
    result = allocate_output_cost(actual, shares)
    # The by-product's 15.00 comes out of each group in proportion (10.00 and 5.00).
    assert result[12] == {1: D("10.00"), 2: D("5.00")}
    assert result[10] == {1: D("72.00"), 2: D("36.00")}
    assert result[11] == {1: D("18.00"), 2: D("9.00")}


def test_adjustments_dated_in_the_open_period():
    periods = [
        PeriodSpan(dt.date(2026, 2, 1), dt.date(2026, 2, 28), is_open=False),
        PeriodSpan(dt.date(2026, 3, 1), dt.date(2026, 3, 31), is_open=True),
    ]
    calendar = PostingCalendar(periods)
    assert calendar.posting_date(dt.date(2026, 3, 5)) == dt.date(2026, 3, 5)
    assert calendar.posting_date(dt.date(2026, 2, 10)) == dt.date(2026, 3, 1)
    chosen = PostingCalendar(periods, fallback=dt.date(2026, 3, 20))
    assert chosen.posting_date(dt.date(2026, 2, 10)) == dt.date(2026, 3, 20)
    assert chosen.posting_date(dt.date(2026, 3, 5)) == dt.date(2026, 3, 5)


def test_scrap_and_substitution_are_separate_causes():
    # 8 good + 2 scrapped; BOM 1 A at 5.00 per unit; 11 A used at 5.00 and 2 B (not on the BOM)
    # at 4.00: standard for 8 good = 40.00, actual 63.00: scrap 2 x 5.00 = 10.00, quantity
    # (11 - 8 - 2) x 5.00 = 5.00, substitution 8.00.
    components = [
        variance.ComponentUsage(
            item_id=1,
            cost_group_id=7,
            on_bom=True,
            quantity_per=D("1"),
            scrap_percent=D("0"),
            standard_unit_cost=D("5.00"),
            actual_quantity=D("11"),
            actual_cost=D("55.00"),
            scrap_units=D("2"),
        ),
        variance.ComponentUsage(
            item_id=2,
            cost_group_id=7,
            on_bom=False,
            quantity_per=D("0"),
            scrap_percent=D("0"),
            standard_unit_cost=D("0"),
            actual_quantity=D("2"),
            actual_cost=D("8.00"),
        ),
    ]
    causes = variance.raw_causes(good_quantity=D("8"), components=components)
    result = variance.explain(
        actual_by_group={7: D("63.00")}, standard_by_group={7: D("40.00")}, causes=causes
    )
    assert result == {7: {"quantity": D("5.00"), "scrap": D("10.00"), "substitution": D("8.00")}}
    assert variance.source_weights(causes, 7, "substitution") == {("item", 2): D("8.00")}


def test_time_causes_and_overhead_following_its_base():
    # Worked case of the bracket: lot size and quantity on labour and its 25 % overhead; the
    # 10 % material surcharge takes 10 % of each material cause.
    operation = variance.OperationUsage(
        operation_no=10,
        setup_time=D("1"),
        run_time=D("0.5"),
        lot_size=D("10"),
        actual_setup=D("1.5"),
        actual_run=D("5.5"),
        direct_cost_group_id=2,
        direct_rate=D("20"),
        actual_direct=D("140.00"),
        overhead_cost_group_id=3,
        overhead_rate=D("5"),
        actual_overhead=D("35.00"),
    )
    steel = variance.ComponentUsage(
        item_id=1,
        cost_group_id=1,
        on_bom=True,
        quantity_per=D("2"),
        scrap_percent=D("0"),
        standard_unit_cost=D("5"),
        actual_quantity=D("21"),
        actual_cost=D("109.20"),
    )
    surcharge = SurchargeRule(cost_group_id=4, percent=D("10"), base_cost_group_ids=frozenset({1}))
    causes = variance.raw_causes(
        good_quantity=D("10"), components=[steel], operations=[operation], surcharges=[surcharge]
    )
    result = variance.explain(
        actual_by_group={1: D("109.20"), 2: D("140.00"), 3: D("35.00"), 4: D("10.92")},
        standard_by_group={1: D("100.00"), 2: D("120.00"), 3: D("30.00"), 4: D("10.00")},
        causes=causes,
    )
    assert result == {
        1: {"price": D("4.20"), "quantity": D("5.00")},
        2: {"quantity": D("10.00"), "lot_size": D("10.00")},
        3: {"quantity": D("2.50"), "lot_size": D("2.50")},
        4: {"price": D("0.42"), "quantity": D("0.50")},
    }
