"""Pure production arithmetic: no database."""

from decimal import Decimal

from mfgcost.production import estimate as e

D = Decimal
MAT, LAB, SUB, COH, MOH = 1, 2, 3, 4, 5
SURCHARGE = e.SurchargeRule(
    cost_group_id=MOH, percent=D("10"), base_cost_group_ids=frozenset({MAT})
)


def bracket_operation(**fields):
    values = {
        "work_center_id": 7,
        "setup_time": D("1"),
        "run_time": D("0.5"),
        "lot_size": D("10"),
        "direct_cost_per_hour": D("20"),
        "direct_cost_group_id": LAB,
        "overhead_per_hour": D("0"),
        "overhead_percent": D("25"),
        "overhead_cost_group_id": COH,
    }
    values.update(fields)
    return e.OperationStandard(**values)


def test_unit_estimate_of_the_bracket():
    unit = e.unit_estimate(
        components=[
            e.ComponentStandard(D("2"), D("0"), D("5.00"), MAT),
            e.ComponentStandard(D("1"), D("0"), D("3.00"), MAT),
        ],
        operations=[bracket_operation()],
        surcharges=[SURCHARGE],
    )
    assert unit.by_cost_group == {MAT: D("13"), LAB: D("12"), COH: D("3"), MOH: D("1.3")}
    assert unit.total == D("29.30")
    assert e.order_amounts(unit.by_cost_group, D("10")) == {
        MAT: D("130.00"),
        LAB: D("120.00"),
        COH: D("30.00"),
        MOH: D("13.00"),
    }


def test_unit_estimate_with_scrap_subcontracting_and_rates():
    unit = e.unit_estimate(
        components=[e.ComponentStandard(D("2"), D("10"), D("5.00"), MAT)],
        operations=[
            bracket_operation(overhead_per_hour=D("5"), overhead_percent=D("0")),
            bracket_operation(
                work_center_id=8,
                subcontracted=True,
                service_unit_cost=D("4"),
                service_cost_group_id=SUB,
            ),
        ],
        rates=[
            e.RateRule(cost_group_id=MOH, basis="rate_per_hour", rate=D("2"), work_center_id=7),
            e.RateRule(cost_group_id=MOH, basis="rate_per_kg", rate=D("0.5")),
        ],
        net_weight_kg=D("3"),
    )
    # material 2.2 kg x 5.00; 0.6 h x 20.00 direct, 0.6 h x 5.00 overhead; service 4.00;
    # overhead 0.6 h x 2.00 + 3 kg x 0.50
    assert unit.by_cost_group == {
        MAT: D("11"),
        LAB: D("12"),
        COH: D("3"),
        SUB: D("4"),
        MOH: D("2.7"),
    }


def test_surcharge_on_a_base_rounds_once_per_cost_group():
    rules = [SURCHARGE, e.SurchargeRule(MOH, D("2.5"), frozenset({LAB, SUB}))]
    assert e.surcharge_overhead(rules, {MAT: D("109.20"), LAB: D("140.00")}) == {
        MOH: D("14.42"),  # 10.92 + 3.50
    }
    assert e.surcharge_overhead(rules, {MAT: D("0.04")}) == {}  # 0.004 rounds to nothing
    assert e.surcharge_overhead(rules, {MAT: D("-35.20")}) == {MOH: D("-3.52")}
    assert e.surcharge_overhead([SURCHARGE], {MAT: D("0.05")}, rounded=False) == {MOH: D("0.005")}


def test_capacity_cost_overhead_is_a_percent_of_the_rounded_direct_cost():
    cost = e.capacity_cost(
        hours=D("7"),
        direct_cost_per_hour=D("20"),
        overhead_per_hour=D("0"),
        overhead_percent=D("25"),
    )
    assert (cost.direct, cost.overhead) == (D("140.00"), D("35.00"))
    cost = e.capacity_cost(
        hours=D("0.333"),
        direct_cost_per_hour=D("20"),
        overhead_per_hour=D("1"),
        overhead_percent=D("25"),
    )
    assert (cost.direct, cost.overhead) == (D("6.66"), D("2.00"))  # 0.333 + 1.665


def test_quantities():
    assert e.component_quantity_per(
        line_quantity=D("0.01"), bom_quantity=D("4"), unit_factor=D("1000")
    ) == D("2.5")
    assert e.with_scrap(D("25"), D("10")) == D("27.5")
    assert e.flush_quantity(quantity_per=D("2"), scrap_percent=D("0"), output_quantity=D("5")) == D(
        "10"
    )
    assert e.allowed_output(order_quantity=D("10"), tolerance_percent=D("10")) == D("11")
    assert e.hours_per_unit(setup_time=D("1"), run_time=D("0.5"), lot_size=D("10")) == D("0.6")
