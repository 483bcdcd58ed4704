"""Standard-cost roll-up through the service: hand-worked numbers from the inputs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mfgcost.core.errors import BusinessError
from mfgcost.items.models import BomLine, BomVersion, CostingVersion, Item, StandardCost
from mfgcost.items.selectors import costing_version_compare
from mfgcost.items.services import (
    standard_cost_activate,
    standard_cost_enter,
    standard_cost_rollup,
)

from .conftest import DAY

D = Decimal
HUNDRED = D("100")
pytestmark = pytest.mark.django_db


def breakdown(item: Item, version: CostingVersion) -> dict[str, tuple[Decimal, Decimal]]:
    record = StandardCost.objects.get(item=item, version=version)
    return {
        line.cost_group.code: (line.this_level, line.rolled_up)
        for line in record.lines.select_related("cost_group")
    }


def test_three_level_product_rolls_up_every_cost_group(version, frame_product):
    standard_cost_rollup(version=version, items=[frame_product["frame"]], as_of=DAY)

    # BRACKET (lot 50): 1.6 kg steel at 2.00 with 25 % scrap on top, 2 bolts at 0.50; cutting:
    # setup 1 h spread over the lot + run 0.1 h, at 40/h direct, 10/h + 25 % capacity overhead.
    steel_kg = D("1.6") * (1 + D("25") / HUNDRED)  # 2.0 kg
    bracket_mat = steel_kg * D("2.00") + 2 * D("0.50")  # 5.00
    cut_hours = D("1") / D("50") + D("0.1")  # 0.12 h
    bracket_lab = cut_hours * D("40")  # 4.80
    bracket_coh = cut_hours * D("10") + bracket_lab * D("25") / HUNDRED  # 1.20 + 1.20
    bracket = {"MAT": bracket_mat, "LAB": bracket_lab, "COH": bracket_coh}
    assert bracket == {"MAT": D("5.00"), "LAB": D("4.80"), "COH": D("2.40")}
    assert breakdown(frame_product["bracket"], version) == {g: (a, a) for g, a in bracket.items()}
    bracket_cost = sum(bracket.values())  # 12.20

    # FRAME batch (lot 20), per frame before the co-product split.
    paint_l = D("250") / D("1000")  # 250 ml in litres (1 l = 1000 ml)
    this_mat = 4 * bracket_cost + paint_l * D("8.00")  # the brackets' whole cost is material here
    weld_hours = D("2") / D("20") + D("0.5")  # 0.6 h
    lab = weld_hours * D("60")
    coh = weld_hours * D("20")
    sub = D("3.00")  # the coating service, one per frame
    moh = this_mat * D("10") / HUNDRED + weld_hours * D("5.20")  # surcharge on MAT + per hour
    batch_this = {"MAT": this_mat, "LAB": lab, "COH": coh, "SUB": sub, "MOH": moh}
    batch_rolled = {
        "MAT": 4 * bracket["MAT"] + paint_l * D("8.00"),
        "LAB": 4 * bracket["LAB"] + lab,
        "COH": 4 * bracket["COH"] + coh,
        "SUB": sub,
        "MOH": moh,
    }
    assert sum(batch_this.values()) == sum(batch_rolled.values()) == D("110.00")

    # The frame carries 80 %; OFFCUT (0.5 per frame) 20 % of the batch over its 0.5 units.
    main = D("80") / HUNDRED
    co = D("20") / HUNDRED * 1 / D("0.5")
    frame = breakdown(frame_product["frame"], version)
    assert frame == {g: (batch_this[g] * main, batch_rolled[g] * main) for g in batch_this}
    assert frame == {
        "COH": (D("9.60"), D("17.28")),
        "LAB": (D("28.80"), D("44.16")),
        "MAT": (D("40.64"), D("17.60")),
        "MOH": (D("6.56"), D("6.56")),
        "SUB": (D("2.40"), D("2.40")),
    }
    offcut = breakdown(frame_product["offcut"], version)
    assert offcut == {g: (batch_this[g] * co, batch_rolled[g] * co) for g in batch_this}
    assert offcut["MAT"] == (D("20.32"), D("8.80"))

    records = {r.item.number: r for r in StandardCost.objects.filter(version=version)}
    assert records["FRAME"].unit_cost == D("88.00")
    assert records["OFFCUT"].unit_cost == D("44.00")
    assert records["BRACKET"].unit_cost == D("12.20")
    assert {r.status for r in records.values()} == {StandardCost.Status.PENDING}
    assert records["OFFCUT"].bom == BomVersion.objects.get(item=frame_product["frame"])
    codes = dict(Item.objects.values_list("number", "low_level_code"))
    assert (codes["FRAME"], codes["BRACKET"], codes["STEEL"], codes["PAINT"]) == (0, 1, 2, 1)


def test_process_case_from_formulas(version, steel_works):
    standard_cost_rollup(version=version, items=[steel_works["iron"]], as_of=DAY)

    sinter = (D("1.3") * 55 + D("0.07") * 75 + D("0.1") * 20) / D("1.4")
    iron = D("1.4") * sinter + D("0.4") * 75  # the slag by-product carries no cost
    assert sinter == D("56.25")
    assert iron == D("108.75")
    assert breakdown(steel_works["sinter"], version) == {"MAT": (sinter, sinter)}
    assert breakdown(steel_works["iron"], version) == {"MAT": (iron, iron)}  # no labour, overhead
    assert not StandardCost.objects.filter(item=steel_works["slag"]).exists()


def test_by_product_with_a_fixed_credit_reduces_the_cost(version, steel_works):
    from mfgcost.items.models import BomOutput

    BomOutput.objects.filter(item=steel_works["slag"]).update(fixed_credit_per_unit=D("15"))
    standard_cost_rollup(version=version, items=[steel_works["iron"]], as_of=DAY)
    credit = D("0.3") * 15  # slag sold at 15 per t
    assert breakdown(steel_works["iron"], version) == {
        "MAT": (D("108.75") - credit, D("108.75") - credit)
    }


def test_rolling_up_again_replaces_the_pending_records(version, steel_works):
    standard_cost_rollup(version=version, items=[steel_works["iron"]], as_of=DAY)
    Item.objects.filter(pk=steel_works["coke"].pk).update(standard_cost=D("80"))
    standard_cost_rollup(version=version, items=[steel_works["iron"]], as_of=DAY)
    sinter = (D("1.3") * 55 + D("0.07") * 80 + D("0.1") * 20) / D("1.4")  # 56.5
    iron = D("1.4") * sinter + D("0.4") * 80
    assert StandardCost.objects.filter(version=version).count() == 2
    assert breakdown(steel_works["iron"], version) == {"MAT": (iron, iron)}


def test_an_active_component_cost_is_kept_and_used(version, steel_works, company):
    outcome = standard_cost_rollup(version=version, items=[steel_works["sinter"]], as_of=DAY)
    standard_cost_activate(standard_costs=outcome.records, posting_date=DAY)
    Item.objects.filter(pk=steel_works["ore"].pk).update(standard_cost=D("60"))
    outcome = standard_cost_rollup(version=version, items=[steel_works["iron"]], as_of=DAY)
    assert [r.item.number for r in outcome.kept] == ["SINTER"]
    assert [r.item.number for r in outcome.records] == ["PIG-IRON"]
    iron = D("1.4") * D("56.25") + D("0.4") * 75  # the active sinter cost, not the new ore price
    assert breakdown(steel_works["iron"], version) == {"MAT": (iron, iron)}


def test_a_version_price_of_a_bought_item_is_used(version, steel_works, company):
    standard_cost_enter(
        version=version,
        item=steel_works["coke"],
        activation_date=DAY,
        amounts={company.cost_groups["MAT"]: D("70")},
    )
    standard_cost_rollup(version=version, items=[steel_works["iron"]], as_of=DAY)
    sinter = (D("1.3") * 55 + D("0.07") * 70 + D("0.1") * 20) / D("1.4")
    assert breakdown(steel_works["sinter"], version)["MAT"][1] == sinter.quantize(D("0.000001"))


def test_the_service_price_source_is_injectable(version, frame_product):
    seen = []

    def vendor_price(query):
        seen.append((query.product, query.operation_no, query.service_item, query.standard_cost))
        return D("4.50")

    standard_cost_rollup(
        version=version, items=[frame_product["frame"]], as_of=DAY, service_price=vendor_price
    )
    assert seen == [("FRAME", 20, "COAT-SVC", D("3.00"))]
    assert breakdown(frame_product["frame"], version)["SUB"] == (D("3.60"), D("3.60"))  # 80 %


def test_a_cycle_is_refused_with_its_path(version, steel_works):
    # A cycle that slipped past validation (written directly) is still refused by the roll-up.
    bom = BomVersion.objects.get(item=steel_works["sinter"])
    BomLine.objects.create(
        bom=bom,
        line_no=99,
        component=steel_works["iron"],
        quantity_per=D("1"),
        unit=steel_works["iron"].base_unit,
    )
    with pytest.raises(BusinessError) as error:
        standard_cost_rollup(version=version, items=[steel_works["iron"]], as_of=DAY)
    assert error.value.field == "component"
    assert "PIG-IRON -> SINTER -> PIG-IRON" in error.value.message
    assert not StandardCost.objects.exists()


def _chain(company, prefix: str) -> Item:
    """A product over three levels with a routing, created directly."""
    from mfgcost.items.models import Operation, RoutingVersion, WorkCenter

    center, _ = WorkCenter.objects.get_or_create(
        code="WC",
        defaults={
            "name": "WC",
            "direct_cost_per_hour": D("10"),
            "direct_cost_group": company.cost_groups["LAB"],
        },
    )
    make = dict(
        base_unit=company.units["pcs"],
        posting_group=company.groups["RAW"],
        cost_group=company.cost_groups["MAT"],
    )
    raw = Item.objects.create(
        number=f"{prefix}-RAW", description="raw", standard_cost=D("1"), **make
    )
    below = raw
    for level in (2, 1, 0):
        item = Item.objects.create(number=f"{prefix}-{level}", description="made", **make)
        bom = BomVersion.objects.create(item=item, version="1", valid_from=dt.date(2026, 1, 1))
        BomLine.objects.create(
            bom=bom, line_no=10, component=below, quantity_per=D("2"), unit=company.units["pcs"]
        )
        BomLine.objects.create(
            bom=bom, line_no=20, component=raw, quantity_per=D("1"), unit=company.units["pcs"]
        )
        routing = RoutingVersion.objects.create(
            item=item, version="1", valid_from=dt.date(2026, 1, 1)
        )
        Operation.objects.create(
            routing=routing, operation_no=10, work_center=center, run_time=D("0.1")
        )
        below = item
    return below


def test_queries_do_not_grow_with_the_number_of_items(version, company):
    def queries_for(count: int, prefix: str) -> int:
        tops = [_chain(company, f"{prefix}{n}") for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            outcome = standard_cost_rollup(version=version, items=tops, as_of=DAY)
        assert len(outcome.records) == 3 * count
        return len(queries)

    assert queries_for(2, "A") == queries_for(12, "B")
    top = Item.objects.get(number="B0-0")
    # each level: 2 of the level below + 1 raw at 1.00 + 0.1 h at 10/h
    level_2 = 2 * D("1") + D("1") + D("0.1") * 10
    level_1 = 2 * level_2 + D("1") + D("0.1") * 10
    assert StandardCost.objects.get(item=top).unit_cost == 2 * level_1 + D("1") + D("0.1") * 10


def test_compare_two_versions_item_by_item(version, steel_works):
    planned = CostingVersion.objects.create(
        code="PLAN27", name="Plan 2027", version_type=CostingVersion.VersionType.PLANNED
    )
    standard_cost_rollup(version=version, items=[steel_works["iron"]], as_of=DAY)
    Item.objects.filter(pk=steel_works["coke"].pk).update(standard_cost=D("85"))
    standard_cost_rollup(version=planned, items=[steel_works["iron"]], as_of=DAY)
    rows = {row.item: row for row in costing_version_compare(base=version, other=planned)}
    assert set(rows) == {"PIG-IRON", "SINTER"}
    sinter_planned = (D("1.3") * 55 + D("0.07") * 85 + D("0.1") * 20) / D("1.4")  # 56.75
    assert rows["SINTER"].other_unit_cost == sinter_planned
    assert rows["SINTER"].difference == sinter_planned - D("56.25")
    iron_planned = D("1.4") * sinter_planned + D("0.4") * 85
    assert rows["PIG-IRON"].difference == iron_planned - D("108.75")  # 4.70
    assert rows["PIG-IRON"].difference_percent == D("4.32")  # 4.70 / 108.75
    assert rows["PIG-IRON"].by_cost_group == {"MAT": (D("108.75"), iron_planned)}
